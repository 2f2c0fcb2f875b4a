package io.udas.pipeline;

import io.udas.pseudo.PseudoLabeler;
import io.udas.train.Checkpoint;
import io.udas.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Round logic with fake pseudo-labeling and fake students: promotion only when the student wins, at most R rounds. */
class SelfTrainingTest {
    @TempDir
    Path dir;

    /** Students score {@code scores[round - 1]}; the first teacher scores {@code first}. */
    static final class FakeWork implements SelfTraining.Work {
        final double first;
        final double[] scores;
        final List<String> labeledWith = new ArrayList<>();
        final List<String> taughtBy = new ArrayList<>();
        final List<Boolean> resumes = new ArrayList<>();
        int failTrainingOfRound = -1;

        FakeWork(double first, double... scores) {
            this.first = first;
            this.scores = scores;
        }

        @Override
        public double score(Path model) {
            return first;
        }

        @Override
        public PseudoLabeler.Result pseudoLabel(Path teacher, Path pdir) {
            labeledWith.add(teacher.toString());
            var r = new PseudoLabeler.Result(pdir, 10, 0.7, 0.6, 0.5, 0.4, 1.0);
            Json.write(pdir.resolve(PseudoLabeler.STATS), r.toMap());
            return r;
        }

        @Override
        public SelfTraining.Student trainStudent(int round, Path teacher, Path pseudoDir, Path sdir, boolean resume) {
            taughtBy.add(teacher.toString());
            resumes.add(resume);
            try {
                Files.createDirectories(sdir);
                if (round == failTrainingOfRound) {
                    failTrainingOfRound = -1;
                    Files.writeString(sdir.resolve(Checkpoint.FILE), "half-way");
                    throw new IllegalStateException("killed in round " + round);
                }
                Path model = sdir.resolve("best.zip");
                Files.writeString(model, "student " + round);
                return new SelfTraining.Student(scores[round - 1], model, 5, 1.0);
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        }
    }

    Path teacher() throws Exception {
        Path t = dir.resolve("uda-best.zip");
        Files.writeString(t, "uda");
        return t;
    }

    @Test
    void betterStudentsArePromotedUpToTheRoundLimit() throws Exception {
        FakeWork w = new FakeWork(0.40, 0.50, 0.55, 0.60);
        Path out = dir.resolve("st");
        SelfTraining.Outcome o = SelfTraining.rounds(w, teacher(), 2, out, false);
        assertEquals(2, o.rounds().size(), "stops at student.rounds although round 2 improved");
        assertTrue(o.rounds().get(0).promoted() && o.rounds().get(1).promoted());
        Path s1 = out.resolve("round-1/student/best.zip");
        assertEquals(List.of(teacher().toString(), s1.toString()), w.labeledWith, "round 2 re-labels with the promoted student");
        assertEquals(w.labeledWith, w.taughtBy);
        assertEquals(0.55, o.bestScore(), 1e-12);
        assertEquals("student 2", Files.readString(out.resolve(SelfTraining.BEST)));
        assertEquals(out.resolve("round-2/student/best.zip"), o.teacher());
        assertTrue(Files.isRegularFile(out.resolve(SelfTraining.ROUNDS_JSON)));
        assertTrue(Files.readString(out.resolve(SelfTraining.ROUNDS_MD)).contains("| 2 |"));
        assertEquals(0.55, ((Number) Json.read(out.resolve("summary.json"), Map.class).get("score")).doubleValue(), 1e-12);
    }

    @Test
    void aStudentThatDoesNotBeatItsTeacherEndsTheRounds() throws Exception {
        FakeWork w = new FakeWork(0.40, 0.50, 0.45, 0.70);
        SelfTraining.Outcome o = SelfTraining.rounds(w, teacher(), 5, dir.resolve("st"), false);
        assertEquals(2, o.rounds().size());
        assertTrue(o.rounds().get(0).promoted());
        assertFalse(o.rounds().get(1).promoted());
        assertEquals(0.50, o.bestScore(), 1e-12, "the best student is round 1's");
        assertEquals("student 1", Files.readString(dir.resolve("st").resolve(SelfTraining.BEST)));
        assertEquals(0.50, o.teacherScore(), 1e-12);

        FakeWork worse = new FakeWork(0.40, 0.30);
        SelfTraining.Outcome o2 = SelfTraining.rounds(worse, teacher(), 3, dir.resolve("st2"), false);
        assertEquals(1, o2.rounds().size());
        assertFalse(o2.rounds().get(0).promoted());
        assertEquals(teacher(), o2.teacher(), "the teacher stays");
        assertEquals(0.30, o2.bestScore(), 1e-12, "the result is still the student (reported as is)");

        FakeWork tie = new FakeWork(0.40, 0.40);
        assertFalse(SelfTraining.rounds(tie, teacher(), 3, dir.resolve("st3"), false).rounds().get(0).promoted(),
                "a tie is not a win");
    }

    @Test
    void withoutValidationOneRoundRuns() throws Exception {
        FakeWork w = new FakeWork(Double.NaN, Double.NaN, Double.NaN);
        SelfTraining.Outcome o = SelfTraining.rounds(w, teacher(), 3, dir.resolve("st"), false);
        assertEquals(1, o.rounds().size());
        assertEquals("student 1", Files.readString(dir.resolve("st").resolve(SelfTraining.BEST)));
    }

    @Test
    void interruptedRoundResumes() throws Exception {
        FakeWork w = new FakeWork(0.40, 0.50, 0.60, 0.65);
        w.failTrainingOfRound = 2;
        Path out = dir.resolve("st");
        assertThrows(IllegalStateException.class, () -> SelfTraining.rounds(w, teacher(), 3, out, false));
        assertTrue(Files.isRegularFile(out.resolve("round-1").resolve(SelfTraining.ROUND)));
        assertFalse(Files.exists(out.resolve("round-2").resolve(SelfTraining.ROUND)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SelfTraining.rounds(w, teacher(), 3, out, false));
        assertTrue(e.getMessage().contains("--resume"));

        FakeWork again = new FakeWork(Double.NaN /* must not be re-evaluated */, 0.50, 0.60, 0.65);
        SelfTraining.Outcome o = SelfTraining.rounds(again, teacher(), 3, out, true);
        assertEquals(3, o.rounds().size());
        assertEquals(0.40, o.initialScore(), 1e-12, "the first teacher's score is kept from the first session");
        assertEquals(List.of(out.resolve("round-3/../round-2/student/best.zip").normalize().toString()),
                again.labeledWith, "round 1 skipped, round 2's pseudo-labels reused, round 3 labeled afresh");
        assertEquals(List.of(true, false), again.resumes, "round 2's student resumes from its checkpoint");
        assertEquals(0.65, o.bestScore(), 1e-12);
    }
}
