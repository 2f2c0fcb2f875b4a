package io.udas.train.cyclegan;

import io.udas.config.CycleGanConfig;
import io.udas.config.GanLoss;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.data.Dataset;
import io.udas.data.Seeds;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import io.udas.train.StageRun;
import io.udas.train.TrainState;
import io.udas.train.TrainingGraph;
import io.udas.train.optim.Adam;
import io.udas.train.optim.LrSchedule;
import io.udas.train.optim.ParamGroup;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CycleGAN training (Zhu et al. 2017, the pytorch-CycleGAN reference step) between unlabeled source images X and
 * target images Y, batch 1:
 * <ol>
 *   <li>generator step (G and F updated, D_X and D_Y only pass gradients):
 *       {@code L = GAN(D_Y(G(x)), real) + GAN(D_X(F(y)), real) + lambda_cyc (|F(G(x)) - x|_1 + |G(F(y)) - y|_1)
 *       + lambda_cyc lambda_id (|G(y) - y|_1 + |F(x) - x|_1)};</li>
 *   <li>discriminator step on the same iteration's fakes (made before the generator update) passed through the
 *       image pools: {@code L_D_Y = (GAN(D_Y(y), real) + GAN(D_Y(pool_y(G(x))), fake)) / 2}, likewise D_X.</li>
 * </ol>
 * GAN = least squares against 1/0 (LSGAN) or BCE with logits. Each network has its own Adam (beta1 0.5); the LR is
 * constant, then decays linearly to 0 from {@code decay_start}. Two graphs (generator step, discriminator step) are
 * built over the same weight arrays ({@link CycleGanNets}).
 *
 * <p>Figures per step (the loss terms as weighted in the objective): loss_g_gan, loss_f_gan, loss_cyc, loss_idt,
 * loss_d_x, loss_d_y, lr. Every {@code sample_every} iterations a sample grid goes to {@code <run>/samples/}.
 */
public final class CycleGanTrainer implements StageRun {
    public static final String STAGE = "cyclegan";
    public static final String SAMPLES = "samples";

    static final String REAL_X = "real_x";
    static final String REAL_Y = "real_y";
    static final String FAKE_X = "fake_x";
    static final String FAKE_Y = "fake_y";
    static final String LOSS_G_GAN = "loss_g_gan";
    static final String LOSS_F_GAN = "loss_f_gan";
    static final String LOSS_CYC = "loss_cyc";
    static final String LOSS_IDT = "loss_idt";
    static final String LOSS_GEN = "loss_generators";
    static final String LOSS_D_X = "loss_d_x";
    static final String LOSS_D_Y = "loss_d_y";
    static final String LOSS_DISC = "loss_discriminators";

    private final RunConfig cfg;
    private final CycleGanConfig cc;
    private final Path runDir;
    private final CycleGanNets nets;
    private final CropStream sourceCrops;
    private final CropStream targetCrops;
    private final TrainingGraph gen;
    private final TrainingGraph disc;
    private final ImagePool poolX;
    private final ImagePool poolY;
    private final LrSchedule lr;
    private final long poolSeed;
    /** Output names in the generator graph: fake_y = G(x), rec_x = F(G(x)), fake_x = F(y), rec_y = G(F(y)). */
    private final String fakeY;
    private final String recX;
    private final String fakeX;
    private final String recY;
    private INDArray sampleX;
    private INDArray sampleY;

    /**
     * @param source unlabeled source images (X)
     * @param target unlabeled target images (Y)
     * @param runDir where sample grids are written
     */
    public CycleGanTrainer(RunConfig cfg, Dataset source, Dataset target, Path runDir) {
        this.cfg = cfg;
        this.cc = cfg.cyclegan;
        this.runDir = runDir;
        this.nets = new CycleGanNets(cc, cfg.seed);
        Size crop = cc.crop;
        int threads = Math.max(1, cfg.data.loaderThreads / 2);
        Size srcResize = cfg.data.source != null ? cfg.data.source.resize : null;
        Size tgtResize = cfg.data.target != null ? cfg.data.target.resize : null;
        this.sourceCrops = new CropStream(source, srcResize, "source", cfg.seed, cc.loadWidth, crop, cc.flip, threads,
                cfg.data.prefetch);
        this.targetCrops = new CropStream(target, tgtResize, "target", cfg.seed, cc.loadWidth, crop, cc.flip, threads,
                cfg.data.prefetch);
        this.poolX = new ImagePool(cc.poolSize);
        this.poolY = new ImagePool(cc.poolSize);
        this.poolSeed = Seeds.derive(cfg.seed, "cyclegan/pool");
        this.lr = LrSchedule.linearDecay(cc.lr, cc.decayStart, cc.iterations);

        int h = crop.height;
        int w = crop.width;
        // Generator step.
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder(REAL_X, DataType.FLOAT, -1, 3, h, w);
        SDVariable y = sd.placeHolder(REAL_Y, DataType.FLOAT, -1, 3, h, w);
        Network gx = gen(sd, CycleGanNets.G, x);
        Network fgx = gen(sd, CycleGanNets.F, gx.output());
        Network fy = gen(sd, CycleGanNets.F, y);
        Network gfy = gen(sd, CycleGanNets.G, fy.output());
        this.fakeY = gx.output().name();
        this.recX = fgx.output().name();
        this.fakeX = fy.output().name();
        this.recY = gfy.output().name();
        SDVariable lossG = gan(disc(sd, CycleGanNets.D_Y, gx.output()).output(), true).rename(LOSS_G_GAN);
        SDVariable lossF = gan(disc(sd, CycleGanNets.D_X, fy.output()).output(), true).rename(LOSS_F_GAN);
        SDVariable cyc = Losses.l1(fgx.output(), x).add(Losses.l1(gfy.output(), y)).mul(cc.lambdaCyc).rename(LOSS_CYC);
        SDVariable total = lossG.add(lossF).add(cyc);
        if (cc.lambdaId > 0) {
            Network gy = gen(sd, CycleGanNets.G, y);
            Network fx = gen(sd, CycleGanNets.F, x);
            SDVariable idt = Losses.l1(gy.output(), y).add(Losses.l1(fx.output(), x))
                    .mul(cc.lambdaCyc * cc.lambdaId).rename(LOSS_IDT);
            total = total.add(idt);
        }
        total.rename(LOSS_GEN);
        this.gen = new TrainingGraph(sd, LOSS_GEN, List.of(
                group(CycleGanNets.G, gx), group(CycleGanNets.F, fy)));

        // Discriminator step.
        SameDiff sdd = SameDiff.create();
        SDVariable rx = sdd.placeHolder(REAL_X, DataType.FLOAT, -1, 3, h, w);
        SDVariable ry = sdd.placeHolder(REAL_Y, DataType.FLOAT, -1, 3, h, w);
        SDVariable fxp = sdd.placeHolder(FAKE_X, DataType.FLOAT, -1, 3, h, w);
        SDVariable fyp = sdd.placeHolder(FAKE_Y, DataType.FLOAT, -1, 3, h, w);
        Network dyReal = disc(sdd, CycleGanNets.D_Y, ry);
        Network dyFake = disc(sdd, CycleGanNets.D_Y, fyp);
        Network dxReal = disc(sdd, CycleGanNets.D_X, rx);
        Network dxFake = disc(sdd, CycleGanNets.D_X, fxp);
        SDVariable lossDy = gan(dyReal.output(), true).add(gan(dyFake.output(), false)).mul(0.5).rename(LOSS_D_Y);
        SDVariable lossDx = gan(dxReal.output(), true).add(gan(dxFake.output(), false)).mul(0.5).rename(LOSS_D_X);
        lossDx.add(lossDy).rename(LOSS_DISC);
        this.disc = new TrainingGraph(sdd, LOSS_DISC, List.of(
                group(CycleGanNets.D_X, dxReal), group(CycleGanNets.D_Y, dyReal)));
    }

    private Network gen(SameDiff sd, String net, SDVariable in) {
        return nets.generator(sd, net + ".", nets.weights(net), in, cc.crop.height, cc.crop.width);
    }

    private Network disc(SameDiff sd, String net, SDVariable in) {
        return nets.discriminator(sd, net + ".", nets.weights(net), in);
    }

    private ParamGroup group(String net, Network n) {
        return new ParamGroup(net, n.trainable(), new Adam(cc.beta1, cc.beta2), 1.0);
    }

    private SDVariable gan(SDVariable pred, boolean real) {
        double t = real ? 1.0 : 0.0;
        return cc.ganLoss == GanLoss.LSGAN ? Losses.mse(pred, t) : Losses.bceWithLogits(pred, t);
    }

    public CycleGanNets nets() {
        return nets;
    }

    @Override
    public String stage() {
        return STAGE;
    }

    @Override
    public long iterations() {
        return cc.iterations;
    }

    @Override
    public Map<String, Double> step(long iteration) {
        INDArray x = sourceCrops.at(iteration);
        INDArray y = targetCrops.at(iteration);
        double rate = lr.at(iteration);
        List<String> genOuts = new java.util.ArrayList<>(List.of(fakeY, fakeX, LOSS_G_GAN, LOSS_F_GAN, LOSS_CYC));
        if (cc.lambdaId > 0) {
            genOuts.add(LOSS_IDT);
        }
        var g = gen.step(Map.of(REAL_X, x, REAL_Y, y), List.of(CycleGanNets.G, CycleGanNets.F), rate, genOuts);
        INDArray fy = poolY.query(g.outputs().get(fakeY), new SplittableRandom(Seeds.derive(poolSeed, 1, iteration)));
        INDArray fx = poolX.query(g.outputs().get(fakeX), new SplittableRandom(Seeds.derive(poolSeed, 2, iteration)));
        var d = disc.step(Map.of(REAL_X, x, REAL_Y, y, FAKE_X, fx, FAKE_Y, fy),
                List.of(CycleGanNets.D_X, CycleGanNets.D_Y), rate, List.of(LOSS_D_X, LOSS_D_Y));
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(LOSS_G_GAN, g.scalar(LOSS_G_GAN));
        out.put(LOSS_F_GAN, g.scalar(LOSS_F_GAN));
        out.put(LOSS_CYC, g.scalar(LOSS_CYC));
        out.put(LOSS_IDT, cc.lambdaId > 0 ? g.scalar(LOSS_IDT) : 0.0);
        out.put(LOSS_D_X, d.scalar(LOSS_D_X));
        out.put(LOSS_D_Y, d.scalar(LOSS_D_Y));
        out.put("lr", rate);
        long done = iteration + 1;
        if (runDir != null && (done % cc.sampleEvery == 0 || done == cc.iterations)) {
            writeSamples(runDir.resolve(SAMPLES), done);
        }
        return out;
    }

    /**
     * The sample grid after {@code iteration} iterations, from fixed views (the centre crops of the first source and
     * the first target image): {@code iter_NNNNNNN.png}, and the same as {@code latest.png}.
     */
    public void writeSamples(Path dir, long iteration) {
        if (sampleX == null) {
            sampleX = sourceCrops.centre(0);
            sampleY = targetCrops.centre(0);
        }
        Map<String, INDArray> o = translateBoth(sampleX, sampleY);
        var rows = List.of(List.of(sampleX, o.get(fakeY), o.get(recX)), List.of(sampleY, o.get(fakeX), o.get(recY)));
        byte[] png = SampleGrid.encode(rows);
        io.udas.util.AtomicFiles.writeBytes(dir.resolve(String.format("iter_%07d.png", iteration)), png);
        io.udas.util.AtomicFiles.writeBytes(dir.resolve("latest.png"), png);
    }

    /** Forward only: G(x), F(G(x)), F(y), G(F(y)) for crops x (source) and y (target) of the training size. */
    Map<String, INDArray> translateBoth(INDArray x, INDArray y) {
        return gen.output(Map.of(REAL_X, x, REAL_Y, y), List.of(fakeY, recX, fakeX, recY));
    }

    /** Names of the generator graph outputs, in the order fake_y, rec_x, fake_x, rec_y. */
    List<String> outputNames() {
        return List.of(fakeY, recX, fakeX, recY);
    }

    @Override
    public Map<String, INDArray> state() {
        TrainState s = new TrainState();
        for (String n : List.of(CycleGanNets.G, CycleGanNets.F, CycleGanNets.D_X, CycleGanNets.D_Y)) {
            s.put(n + ".", nets.weights(n));
        }
        s.optimizers(gen, CycleGanNets.G, CycleGanNets.F).optimizers(disc, CycleGanNets.D_X, CycleGanNets.D_Y);
        s.put("pool_x.", poolX.state()).put("pool_y.", poolY.state());
        return s.arrays();
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        for (String n : List.of(CycleGanNets.G, CycleGanNets.F, CycleGanNets.D_X, CycleGanNets.D_Y)) {
            TrainState.assign(nets.weights(n), TrainState.sub(state, n + "."), n);
        }
        TrainState.restoreOptimizers(state, gen, CycleGanNets.G, CycleGanNets.F);
        TrainState.restoreOptimizers(state, disc, CycleGanNets.D_X, CycleGanNets.D_Y);
        poolX.restore(TrainState.sub(state, "pool_x."));
        poolY.restore(TrainState.sub(state, "pool_y."));
    }

    @Override
    public Map<String, Double> validate(long iteration) {
        return Map.of();
    }

    @Override
    public void saveBest(Path dir, long iteration, double score) {
        // No validation score for style transfer.
    }

    @Override
    public void finish(Path dir) {
        sourceCrops.close();
        targetCrops.close();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("stage", STAGE);
        training.put("run", cfg.name);
        training.put("seed", cfg.seed);
        training.put("iterations", cc.iterations);
        training.put("crop", cc.crop.toString());
        training.put("load_width", cc.loadWidth);
        training.put("gan_loss", cc.ganLoss.name().toLowerCase());
        Generators.save(dir.resolve(Generators.FILE), nets, training);
    }
}
