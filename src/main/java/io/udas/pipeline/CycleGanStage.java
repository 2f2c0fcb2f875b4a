package io.udas.pipeline;

import io.udas.config.DatasetConfig;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.data.DataException;
import io.udas.data.Dataset;
import io.udas.train.TrainingLoop;
import io.udas.train.cyclegan.CycleGanTrainer;
import io.udas.train.cyclegan.Generators;
import io.udas.train.cyclegan.Translator;

import java.nio.file.Path;

/**
 * Stage 1, style transfer: trains a CycleGAN between the source and target images ({@code train} with
 * {@code stage: cyclegan}; the run folder gets {@code generators.zip}, checkpoints, metrics and sample grids), and
 * translates the source dataset with its generator G into a GTA5-layout dataset that replaces the source later.
 */
public final class CycleGanStage {
    private CycleGanStage() {
    }

    /** Trains (or with {@code resume} continues) the CycleGAN of {@code cfg} in {@code dir}. */
    public static TrainingLoop.Result train(RunConfig cfg, Path dir, boolean resume) {
        Stages.ensureDemoData(cfg);
        Dataset source = open("data.source", cfg.data.source, cfg).unlabeled();
        Dataset target = open("data.target", cfg.data.target, cfg).unlabeled();
        System.out.printf("cyclegan: %d source and %d target images, crops %s, %d iterations%n", source.size(),
                target.size(), cfg.cyclegan.crop, cfg.cyclegan.iterations);
        CycleGanTrainer trainer = new CycleGanTrainer(cfg, source, target, dir);
        TrainingLoop.Result r = Stages.runLoop(trainer, cfg, dir, resume, cfg.cyclegan.logEvery,
                cfg.cyclegan.checkpointEvery, 0);
        System.out.println("cyclegan: generators written to " + dir.resolve(Generators.FILE) + ", sample grids in "
                + dir.resolve(CycleGanTrainer.SAMPLES));
        return r;
    }

    /**
     * Translates every image of {@code data.source} with the generator G of {@code generatorFile} into
     * {@code outRoot} (GTA5 layout, labels carried over; see {@link Translator}). Image size:
     * {@code cyclegan.translate_size}, else {@code data.source.resize}, else each image's own size. Already
     * translated images are skipped; unreadable inputs are reported by name (and fail the call at the end unless
     * {@code data.skip_bad}).
     */
    public static void translate(RunConfig cfg, Path generatorFile, Path outRoot) {
        Stages.ensureDemoData(cfg);
        Dataset source = open("data.source", cfg.data.source, cfg);
        Size size = cfg.cyclegan.translateSize != null ? cfg.cyclegan.translateSize : cfg.data.source.resize;
        Generators g = Generators.load(generatorFile);
        System.out.printf("translate: %s with %s at %s into %s%n", source, generatorFile,
                size == null ? "each image's own size" : size.toString(), outRoot);
        Translator.Result r = new Translator(g).translate(source, size, outRoot, cfg.data.skipBad);
        System.out.printf("translate: %d images translated, %d already present, %d unreadable; labels: %d copied, "
                        + "%d resized (nearest) to the image size%n", r.translated(), r.skippedExisting(), r.bad().size(),
                r.labelsCopied(), r.labelsResized());
        System.out.printf("translate: use it as the source with data.source: {layout: gta5, root: %s, labels: %s}%n",
                outRoot, source.labelFormat().name().toLowerCase());
    }

    private static Dataset open(String key, DatasetConfig d, RunConfig cfg) {
        if (d == null) {
            throw new DataException(key + ": not configured (the CycleGAN stage needs data.source and data.target)");
        }
        return Dataset.open(key, d, cfg.data.skipBad);
    }
}
