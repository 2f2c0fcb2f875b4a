package io.udas.pipeline;

import io.udas.config.ConfigLoader;
import io.udas.config.LabelFormat;
import io.udas.config.RunConfig;
import io.udas.config.Stage;
import io.udas.config.StudentConfig;
import io.udas.data.DataException;
import io.udas.data.Dataset;
import io.udas.data.LabelPng;
import io.udas.data.LoadedSample;
import io.udas.data.RunData;
import io.udas.data.Sample;
import io.udas.eval.TargetValidation;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import io.udas.nn.Network;
import io.udas.pseudo.PseudoLabeler;
import io.udas.train.Checkpoint;
import io.udas.train.RunFolder;
import io.udas.train.StageRun;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TrainingLoop;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;
import org.nd4j.autodiff.samediff.SameDiff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Self-training rounds (thesis stage 3): the teacher pseudo-labels the target images, a student is
 * trained supervised on them plus the labeled target subset (source data is no longer used), and when
 * the student's target-val mIoU beats its teacher's it becomes the teacher, re-labels the data and a new
 * round starts; at most {@code student.rounds} rounds.
 *
 * <p>Folder: {@code teacher.json} (the first teacher and its score), {@code round-N/pseudo/} (see
 * {@link PseudoLabeler}), {@code round-N/student/} (a supervised run: best.zip, model.zip, metrics,
 * checkpoint), {@code round-N/round.json} (the round's figures, written when it is complete),
 * {@code labeled-target/} (the labeled subset's ground truth as trainIds), {@code rounds.json} and
 * {@code rounds.md} (one row per round), {@code best.zip} (the best student: the self-training result)
 * and {@code summary.json} ({@code score} = its target-val mIoU). A rerun with resume skips complete
 * rounds, reuses finished pseudo-labels and resumes an interrupted student from its checkpoint.
 *
 * <p>Without target-val data a student cannot be compared with its teacher: one round runs and its final
 * model is the result.
 */
public final class SelfTraining {
    public static final String TEACHER = "teacher.json";
    public static final String ROUND = "round.json";
    public static final String ROUNDS_JSON = "rounds.json";
    public static final String ROUNDS_MD = "rounds.md";
    public static final String BEST = "best.zip";
    public static final String LABELED = "labeled-target";

    private SelfTraining() {
    }

    /** What a self-training run needs done; {@link #run(RunConfig, Path, boolean)} trains networks, tests pass fakes. */
    public interface Work {
        /** Target-val mIoU of a model file, NaN without validation data. */
        double score(Path model);

        /** Pseudo-labels the target images with {@code teacher} into {@code dir}; returns their figures. */
        PseudoLabeler.Result pseudoLabel(Path teacher, Path dir);

        /** Trains round {@code round}'s student on the pseudo-labels in {@code pseudoDir}, in {@code dir}. */
        Student trainStudent(int round, Path teacher, Path pseudoDir, Path dir, boolean resume);
    }

    /**
     * A trained student.
     *
     * @param bestScore its best target-val mIoU (NaN without validation)
     * @param model     its best model (the final one without validation)
     */
    public record Student(double bestScore, Path model, long iterations, double seconds) {
    }

    /** One round's figures. */
    public record Round(int round, String teacher, double teacherScore, String student, double studentScore,
                        boolean promoted, Map<String, Object> pseudo, long iterations, double seconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", round);
            m.put("teacher", teacher);
            m.put("teacher_miou", finite(teacherScore));
            m.put("student", student);
            m.put("student_miou", finite(studentScore));
            m.put("promoted", promoted);
            m.put("pseudo_labels", pseudo);
            m.put("student_iterations", iterations);
            m.put("seconds", seconds);
            return m;
        }

        @SuppressWarnings("unchecked")
        static Round fromMap(Map<String, Object> m) {
            return new Round(((Number) m.get("round")).intValue(), (String) m.get("teacher"), num(m.get("teacher_miou")),
                    (String) m.get("student"), num(m.get("student_miou")), Boolean.TRUE.equals(m.get("promoted")),
                    (Map<String, Object>) m.get("pseudo_labels"), ((Number) m.get("student_iterations")).longValue(),
                    num(m.get("seconds")));
        }
    }

    /**
     * The outcome of all rounds.
     *
     * @param best      the best student's model (copied to {@code best.zip})
     * @param bestScore its target-val mIoU
     * @param teacher   the last teacher (the first one, or the last promoted student)
     */
    public record Outcome(List<Round> rounds, double initialScore, Path best, double bestScore, Path teacher,
                          double teacherScore) {
    }

    /**
     * {@code train} with {@code stage: student}: rounds with {@code train.init} as the first teacher.
     *
     * @return iterations = student iterations of all rounds, bestScore = the best student's target-val mIoU
     */
    public static TrainingLoop.Result run(RunConfig cfg, Path dir, boolean resume) {
        if (cfg.train.init == null) {
            throw new IllegalArgumentException("train.init: required for the self-training stage (the first teacher, "
                    + "e.g. the UDA stage's best.zip)");
        }
        Stages.ensureDemoData(cfg);
        long t0 = System.nanoTime();
        RunFolder.prepare(cfg, dir);
        Outcome o = rounds(new Real(cfg, dir), Path.of(cfg.train.init), cfg.student.rounds, dir, resume);
        long iters = o.rounds().stream().mapToLong(Round::iterations).sum();
        Map<String, Double> last = new LinkedHashMap<>();
        if (Double.isFinite(o.bestScore())) {
            last.put(StageRun.SCORE, o.bestScore());
        }
        return new TrainingLoop.Result(iters, Double.isFinite(o.bestScore()) ? o.bestScore() : Double.NEGATIVE_INFINITY,
                last, (System.nanoTime() - t0) / 1e9);
    }

    /** The round logic: promotion only when the student beats its teacher, at most {@code maxRounds}. */
    public static Outcome rounds(Work work, Path firstTeacher, int maxRounds, Path dir, boolean resume) {
        if (!resume && hasState(dir)) {
            throw new IllegalArgumentException(dir + " already holds a self-training run: use --resume to continue "
                    + "it, or another output_dir");
        }
        Path teacher = firstTeacher;
        double teacherScore;
        Path teacherFile = dir.resolve(TEACHER);
        if (Files.isRegularFile(teacherFile)) {
            Map<?, ?> t = Json.read(teacherFile, Map.class);
            teacherScore = num(t.get("miou"));
        } else {
            teacherScore = work.score(firstTeacher);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("model", firstTeacher.toString());
            t.put("miou", finite(teacherScore));
            Json.write(teacherFile, t);
        }
        double initial = teacherScore;
        System.out.printf(Locale.ROOT, "self-training: first teacher %s, target-val mIoU %s%n", firstTeacher,
                pct(teacherScore));
        List<Round> rounds = new ArrayList<>();
        for (int r = 1; r <= maxRounds; r++) {
            Path rdir = dir.resolve("round-" + r);
            Path done = rdir.resolve(ROUND);
            Round round;
            if (Files.isRegularFile(done)) {
                round = readRound(done);
                System.out.printf("self-training: round %d already complete, skipped%n", r);
            } else {
                long t0 = System.nanoTime();
                Path pdir = rdir.resolve("pseudo");
                PseudoLabeler.Result pl = PseudoLabeler.complete(pdir) ? PseudoLabeler.Result.read(pdir)
                        : work.pseudoLabel(teacher, pdir);
                Path sdir = rdir.resolve("student");
                Student s = work.trainStudent(r, teacher, pdir, sdir, Checkpoint.exists(sdir));
                boolean promoted = Double.isFinite(s.bestScore()) && Double.isFinite(teacherScore)
                        && s.bestScore() > teacherScore;
                round = new Round(r, teacher.toString(), teacherScore, s.model().toString(), s.bestScore(), promoted,
                        pl.toMap(), s.iterations(), (System.nanoTime() - t0) / 1e9);
                Json.write(done, round.toMap());
            }
            rounds.add(round);
            System.out.printf(Locale.ROOT, "self-training: round %d: student mIoU %s vs teacher %s -> %s%n", r,
                    pct(round.studentScore()), pct(round.teacherScore()),
                    round.promoted() ? "student becomes the teacher" : "stop");
            if (!round.promoted()) {
                break;
            }
            teacher = Path.of(round.student());
            teacherScore = round.studentScore();
        }
        Round bestRound = rounds.get(rounds.size() - 1);
        for (Round r : rounds) {
            if (Double.isFinite(r.studentScore())
                    && (!Double.isFinite(bestRound.studentScore()) || r.studentScore() > bestRound.studentScore())) {
                bestRound = r;
            }
        }
        Path best = dir.resolve(BEST);
        copy(Path.of(bestRound.student()), best);
        Outcome o = new Outcome(List.copyOf(rounds), initial, best, bestRound.studentScore(), teacher, teacherScore);
        writeReports(o, dir, bestRound);
        return o;
    }

    /** True when {@code dir} holds state of a self-training run (its first teacher's score or a round). */
    static boolean hasState(Path dir) {
        if (Files.exists(dir.resolve(TEACHER))) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("round-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Round readRound(Path file) {
        return Round.fromMap(Json.read(file, LinkedHashMap.class));
    }

    private static void writeReports(Outcome o, Path dir, Round bestRound) {
        List<Map<String, Object>> rows = o.rounds().stream().map(Round::toMap).toList();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("first_teacher_miou", finite(o.initialScore()));
        j.put("rounds", rows);
        j.put("best_round", bestRound.round());
        j.put("best_miou", finite(o.bestScore()));
        j.put("final_teacher", o.teacher().toString());
        j.put("final_teacher_miou", finite(o.teacherScore()));
        Json.write(dir.resolve(ROUNDS_JSON), j);
        StringBuilder md = new StringBuilder();
        md.append("# Self-training rounds\n\nFirst teacher: target-val mIoU ").append(pct(o.initialScore()))
                .append(".\n\n| round | teacher mIoU (%) | pseudo-labels kept (%) | pseudo-label mIoU (%) "
                        + "| teacher mIoU on them (%) | student mIoU (%) | promoted | time (s) |\n"
                        + "|---:|---:|---:|---:|---:|---:|:---:|---:|\n");
        for (Round r : o.rounds()) {
            md.append("| ").append(r.round()).append(" | ").append(pct(r.teacherScore())).append(" | ")
                    .append(pct(num(r.pseudo().get("kept_share")))).append(" | ")
                    .append(pct(num(r.pseudo().get("pseudo_label_miou")))).append(" | ")
                    .append(pct(num(r.pseudo().get("teacher_miou")))).append(" | ")
                    .append(pct(r.studentScore())).append(" | ").append(r.promoted() ? "yes" : "no").append(" | ")
                    .append(String.format(Locale.ROOT, "%.0f", r.seconds())).append(" |\n");
        }
        md.append("\nBest student: round ").append(bestRound.round()).append(", mIoU ").append(pct(o.bestScore()))
                .append(" (").append(BEST).append(").\n\nPseudo-label mIoU is measured against the target train "
                        + "ground truth where it exists (analysis only), on kept pixels: ")
                .append(PseudoLabeler.IGNORE_CONVENTION).append(".\n");
        AtomicFiles.writeString(dir.resolve(ROUNDS_MD), md.toString());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stage", "self-training");
        s.put("score", finite(o.bestScore()));
        s.put("first_teacher_miou", finite(o.initialScore()));
        s.put("rounds", o.rounds().size());
        s.put("best_round", bestRound.round());
        s.put("best_model", o.best().toString());
        Json.write(dir.resolve(TrainingLoop.SUMMARY), s);
    }

    static void copy(Path from, Path to) {
        if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
            return;
        }
        AtomicFiles.write(to, out -> Files.copy(from, out));
    }

    // ------------------------------------------------------------------ the real work

    /** Pseudo-labels with {@link PseudoLabeler}, students with {@link SupervisedTrainer}. */
    static final class Real implements Work {
        private final RunConfig cfg;
        private final Path dir;
        private final RunData data;

        Real(RunConfig cfg, Path dir) {
            this.cfg = cfg;
            this.dir = dir;
            this.data = new RunData(cfg, dir);
        }

        @Override
        public double score(Path model) {
            Map<String, Double> v = TargetValidation.of(cfg, data).run(new Predictor(SegmentationModel.load(model)));
            Double s = v.get(StageRun.SCORE);
            return s == null ? Double.NaN : s;
        }

        @Override
        public PseudoLabeler.Result pseudoLabel(Path teacher, Path pdir) {
            return PseudoLabeler.run(cfg, SegmentationModel.load(teacher), pdir, Map.of("teacher", teacher.toString()));
        }

        @Override
        public Student trainStudent(int round, Path teacher, Path pseudoDir, Path sdir, boolean resume) {
            RunConfig sc = ConfigLoader.copy(cfg);
            sc.stage = Stage.STUDENT;
            sc.train.init = teacher.toString();
            sc.train.iterations = cfg.student.iterations;
            sc.name = (cfg.name == null ? "self-training" : cfg.name) + "-round-" + round;
            Dataset trainSet = studentSet(cfg, data, PseudoLabeler.labelsDir(pseudoDir), dir.resolve(LABELED),
                    "target+pseudo-round-" + round);
            SegmentationModel model = studentModel(cfg, teacher);
            SupervisedTrainer trainer = new SupervisedTrainer("student-round-" + round, sc, model, data, trainSet,
                    cfg.student.iterations, TargetValidation.of(cfg, data));
            TrainingLoop.Result r = Stages.runLoop(trainer, sc, sdir, resume, cfg.train.logEvery,
                    cfg.train.checkpointEvery, cfg.train.evalEvery);
            Path best = sdir.resolve(SupervisedTrainer.BEST);
            boolean scored = Double.isFinite(r.bestScore()) && Files.isRegularFile(best);
            return new Student(scored ? r.bestScore() : Double.NaN, scored ? best : sdir.resolve(SupervisedTrainer.FINAL),
                    r.iterations(), r.seconds());
        }
    }

    /**
     * The model a student starts from: a copy of its teacher (student.init: teacher), or a new model from
     * the seed whose backbone comes from student.backbone when set (student.init: backbone).
     */
    static SegmentationModel studentModel(RunConfig cfg, Path teacher) {
        if (cfg.student.init == StudentConfig.Init.TEACHER) {
            return SegmentationModel.load(teacher);
        }
        SegmentationModel m = SegmentationModel.create(cfg.model, cfg.seed, false);
        if (cfg.student.backbone != null) {
            SegmentationModel b = SegmentationModel.load(Path.of(cfg.student.backbone));
            Network net = m.build(SameDiff.create(), "", 64, 64, false, null);
            Set<String> head = new HashSet<>(net.head());
            int copied = 0;
            for (var e : b.weights().entrySet()) {
                var mine = m.weights().get(e.getKey());
                if (mine != null && !head.contains(e.getKey()) && java.util.Arrays.equals(mine.shape(), e.getValue().shape())) {
                    mine.assign(e.getValue());
                    copied++;
                }
            }
            if (copied == 0) {
                throw new IllegalArgumentException("student.backbone " + cfg.student.backbone
                        + ": no backbone weight matches the configured model");
            }
        }
        return m;
    }

    /**
     * The student's training set: every target image, labeled by its pseudo-label, except the labeled
     * subset's images, which keep their ground truth (converted once to trainIds in {@code gtDir}, as
     * pseudo-labels are trainIds and one dataset has one label format).
     */
    static Dataset studentSet(RunConfig cfg, RunData data, Path pseudoLabels, Path gtDir, String name) {
        Dataset target = data.target();
        Set<String> labeled = new HashSet<>();
        Optional<Dataset> subset = data.labeledTarget();
        if (subset.isPresent()) {
            Dataset s = subset.get();
            for (int i = 0; i < s.size(); i++) {
                Sample smp = s.sample(i);
                Path f = Dataset.labelFileIn(gtDir, smp);
                if (!Files.isRegularFile(f)) {
                    LoadedSample ls = s.load(i, null, null);
                    try {
                        LabelPng.writeGrey(f, ls.labelHeight(), ls.labelWidth(), ls.label());
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
                    }
                }
                labeled.add(smp.id());
            }
        }
        List<Sample> samples = new ArrayList<>(target.size());
        int missing = 0;
        for (Sample s : target.samples()) {
            Path label = labeled.contains(s.id()) ? Dataset.labelFileIn(gtDir, s) : Dataset.labelFileIn(pseudoLabels, s);
            if (!Files.isRegularFile(label)) {
                if (!cfg.data.skipBad) {
                    throw new DataException(s.image() + ": no pseudo-label (expected " + label + ")");
                }
                missing++;
                continue;
            }
            samples.add(new Sample(s.id(), s.image(), label));
        }
        if (missing > 0) {
            System.out.printf("self-training: %d target images have no pseudo-label (unreadable), left out%n", missing);
        }
        System.out.printf("self-training: student trains on %d target images (%d with ground truth, %d pseudo-labeled)%n",
                samples.size(), labeled.size(), samples.size() - labeled.size());
        return Dataset.of(name, samples, LabelFormat.TRAIN_IDS, cfg.data.target.resize, cfg.data.skipBad);
    }

    static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", 100 * v) : "n/a";
    }

    static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
