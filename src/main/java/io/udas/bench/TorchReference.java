package io.udas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.udas.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The same DeepLab-v2 train step and forward pass, AdaptSegNet UDA iteration and CycleGAN iteration in PyTorch (CPU),
 * for a side-by-side ratio measured in the same run.
 * A benchmark aid only: the project does not depend on Python. The script is generated into a temporary folder at
 * run time and run with the given Python (which must have torch, e.g. Debian's python3-torch: /usr/bin/python3);
 * its model mirrors {@link io.udas.nn.DeepLabV2} (Caffe-style bottlenecks with the stride in the 1x1 conv, dilations
 * 2/4, frozen BN as eval-mode BatchNorm, ASPP sum of 4 dilated convs, bilinear upsampling with align_corners), with
 * cross-entropy (ignore 255) and SGD momentum as in {@link Workloads.Segmenter}; the UDA and CycleGAN iterations mirror
 * {@link Workloads.Uda} (AdaptSegNet FCDiscriminator, Adam) and {@link Workloads.CycleGan} (pytorch-CycleGAN ResNet
 * generators and 70x70 PatchGAN discriminators with instance norm, LSGAN, Adam).
 */
public final class TorchReference {

    /** The script's source. */
    public static final String SCRIPT = """
# DeepLab-v2 (ResNet, output stride 8, frozen BN, ASPP sum) train step and forward, AdaptSegNet UDA iteration and
# CycleGAN iteration timing in PyTorch (CPU).
import argparse, json, resource, statistics, sys, time, os
import torch, torch.nn as nn, torch.nn.functional as F

class Bottleneck(nn.Module):
    expansion = 4
    def __init__(self, inplanes, planes, stride=1, dilation=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
    def forward(self, x):
        r = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            r = self.downsample(x)
        return self.relu(out + r)

class BasicBlock(nn.Module):
    expansion = 1
    def __init__(self, inplanes, planes, stride=1, dilation=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
    def forward(self, x):
        r = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            r = self.downsample(x)
        return self.relu(out + r)

class Classifier(nn.Module):
    def __init__(self, inplanes, dilations, num_classes):
        super().__init__()
        self.conv2d_list = nn.ModuleList([nn.Conv2d(inplanes, num_classes, 3, padding=d, dilation=d, bias=True) for d in dilations])
        for m in self.conv2d_list:
            m.weight.data.normal_(0, 0.01)
    def forward(self, x):
        out = self.conv2d_list[0](x)
        for c in self.conv2d_list[1:]:
            out = out + c(x)
        return out

UNITS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}

class DeepLabV2(nn.Module):
    def __init__(self, depth=101, num_classes=19, dilations=(6, 12, 18, 24), width=1.0):
        super().__init__()
        block = Bottleneck if depth >= 50 else BasicBlock
        base = max(1, int(round(64 * width)))
        self.inplanes = base
        self.conv1 = nn.Conv2d(3, base, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        u = UNITS[depth]
        self.layer1 = self._make(block, base, u[0])
        self.layer2 = self._make(block, base * 2, u[1], stride=2)
        self.layer3 = self._make(block, base * 4, u[2], stride=1, dilation=2)
        self.layer4 = self._make(block, base * 8, u[3], stride=1, dilation=4)
        self.layer5 = Classifier(base * 8 * block.expansion, dilations, num_classes)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                for p in m.parameters():
                    p.requires_grad = False
    def _make(self, block, planes, blocks, stride=1, dilation=1):
        ds = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            ds = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride=stride, bias=False),
                               nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, dilation, ds)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, dilation=dilation))
        return nn.Sequential(*layers)
    def forward(self, x):
        h, w = x.shape[2:]
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.layer5(x)
        return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=True)

class FCDiscriminator(nn.Module):
    # AdaptSegNet output-space discriminator: 5 convs 4x4 s2 p1, LeakyReLU(0.2) after the first four
    def __init__(self, c, ndf):
        super().__init__()
        chans = [c, ndf, ndf * 2, ndf * 4, ndf * 8]
        self.convs = nn.ModuleList([nn.Conv2d(chans[i], chans[i + 1], 4, 2, 1) for i in range(4)])
        self.classifier = nn.Conv2d(ndf * 8, 1, 4, 2, 1)
    def forward(self, x):
        for c in self.convs:
            x = F.leaky_relu(c(x), 0.2)
        return self.classifier(x)

class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim), nn.ReLU(True),
                                        nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim))
    def forward(self, x):
        return x + self.conv_block(x)

def resnet_generator(ngf, blocks):
    # pytorch-CycleGAN ResnetGenerator, instance norm without affine, no dropout
    m = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
    for i in range(2):
        c = ngf * 2 ** i
        m += [nn.Conv2d(c, c * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(c * 2), nn.ReLU(True)]
    m += [ResnetBlock(ngf * 4) for _ in range(blocks)]
    for i in range(2):
        c = ngf * 2 ** (2 - i)
        m += [nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1), nn.InstanceNorm2d(c // 2), nn.ReLU(True)]
    m += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
    return nn.Sequential(*m)

def patch_discriminator(ndf):
    # pytorch-CycleGAN NLayerDiscriminator, n_layers 3, instance norm
    m = [nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, 3):
        prev, mult = mult, min(2 ** n, 8)
        m += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1), nn.InstanceNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
    prev, mult = mult, min(2 ** 3, 8)
    m += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1), nn.InstanceNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
    m += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
    return nn.Sequential(*m)

def requires_grad(nets, flag):
    for n in nets:
        for p in n.parameters():
            p.requires_grad = flag

def frozen_bn(model):
    model.train()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False

def status_bytes(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=101)
    ap.add_argument("--sizes", default="161,321")
    ap.add_argument("--classes", type=int, default=19)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--cases", default="seg")
    ap.add_argument("--uda-size", type=int, default=321)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--cyclegan-size", type=int, default=256)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--generator-blocks", type=int, default=9)
    a = ap.parse_args()
    cases = a.cases.split(",")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if "seg" in cases or "uda" in cases:
        model = DeepLabV2(a.depth, a.classes, width=a.width)
        frozen_bn(model)
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-4, momentum=0.9, weight_decay=5e-4)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "depth": a.depth, "width": a.width, "batch": a.batch, "results": []}
    def measure(name, size, fn):
        before = status_bytes("VmRSS")
        hwm = reset_peak()
        for _ in range(a.warmup):
            fn()
        wall, cpu = [], []
        for _ in range(a.repeats):
            c0 = time.process_time(); t0 = time.perf_counter()
            fn()
            wall.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
        res["results"].append({"case": name, "size": size, "median_s": statistics.median(wall),
                               "min_s": min(wall), "cpu_median_s": statistics.median(cpu), "times_s": wall,
                               "peak_rss_bytes": status_bytes("VmHWM") if hwm else -1, "rss_before_bytes": before})
        print(json.dumps(res["results"][-1]), file=sys.stderr, flush=True)
    for size in [int(s) for s in a.sizes.split(",")] if "seg" in cases else []:
        x = torch.randn(a.batch, 3, size, size)
        y = torch.randint(0, a.classes, (a.batch, size, size))
        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y, ignore_index=255)
            loss.backward()
            opt.step()
        def fwd():
            with torch.no_grad():
                model(x)
        measure("seg_train_step", size, step)
        measure("seg_forward", size, fwd)
    if "uda" in cases:
        # AdaptSegNet iteration as in Workloads.Uda: segmenter step on CE(source) + 0.001 * BCE(D(softmax(target)),
        # source label) through the frozen discriminator, then the discriminator step on both softmax maps (detached)
        size = a.uda_size
        disc = FCDiscriminator(a.classes, a.ndf)
        opt_d = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.9, 0.99))
        xs, xt = torch.randn(a.batch, 3, size, size), torch.randn(a.batch, 3, size, size)
        ys = torch.randint(0, a.classes, (a.batch, size, size))
        bce = nn.BCEWithLogitsLoss()
        def uda():
            requires_grad([disc], False)
            opt.zero_grad(set_to_none=True)
            src = model(xs)
            tgt_prob = F.softmax(model(xt), dim=1)
            d_out = disc(tgt_prob)
            loss = F.cross_entropy(src, ys, ignore_index=255) + 0.001 * bce(d_out, torch.zeros_like(d_out))
            loss.backward()
            opt.step()
            requires_grad([disc], True)
            opt_d.zero_grad(set_to_none=True)
            d_src, d_tgt = disc(F.softmax(src, dim=1).detach()), disc(tgt_prob.detach())
            loss_d = 0.5 * (bce(d_src, torch.zeros_like(d_src)) + bce(d_tgt, torch.ones_like(d_tgt)))
            loss_d.backward()
            opt_d.step()
        measure("uda_iteration", size, uda)
    if "cyclegan" in cases:
        # CycleGAN iteration as in Workloads.CycleGan (LSGAN, cycle weight 10, identity weight 5): generator step
        # through both frozen discriminators, then the discriminator step on real and generated images
        size = a.cyclegan_size
        torch.manual_seed(3)
        g_a, g_b = resnet_generator(a.ngf, a.generator_blocks), resnet_generator(a.ngf, a.generator_blocks)
        d_a, d_b = patch_discriminator(a.ndf), patch_discriminator(a.ndf)
        opt_g = torch.optim.Adam(list(g_a.parameters()) + list(g_b.parameters()), lr=2e-4, betas=(0.5, 0.999))
        opt_dd = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), lr=2e-4, betas=(0.5, 0.999))
        ra, rb = torch.rand(a.batch, 3, size, size) * 2 - 1, torch.rand(a.batch, 3, size, size) * 2 - 1
        def mse(x, t):
            return F.mse_loss(x, torch.full_like(x, t))
        def cyclegan():
            requires_grad([d_a, d_b], False)
            opt_g.zero_grad(set_to_none=True)
            fake_b, fake_a = g_a(ra), g_b(rb)
            loss = (mse(d_a(fake_b), 1.0) + mse(d_b(fake_a), 1.0)
                    + 10.0 * (F.l1_loss(g_b(fake_b), ra) + F.l1_loss(g_a(fake_a), rb))
                    + 5.0 * (F.l1_loss(g_a(rb), rb) + F.l1_loss(g_b(ra), ra)))
            loss.backward()
            opt_g.step()
            requires_grad([d_a, d_b], True)
            opt_dd.zero_grad(set_to_none=True)
            loss_d = 0.5 * (mse(d_a(rb), 1.0) + mse(d_a(fake_b.detach()), 0.0) + mse(d_b(ra), 1.0)
                            + mse(d_b(fake_a.detach()), 0.0))
            loss_d.backward()
            opt_dd.step()
        measure("cyclegan_iteration", size, cyclegan)
    res["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(res))

if __name__ == "__main__":
    main()
""";

    /** The bench cases the script has a PyTorch twin of. */
    public static final Set<String> MIRRORED = Set.of(BenchConfig.SEG, BenchConfig.UDA, BenchConfig.CYCLEGAN);

    private TorchReference() {
    }

    /** True if {@code python} can import torch. */
    public static boolean available(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The first of the candidates (or "python3", "/usr/bin/python3") that can import torch, or null. */
    public static String findPython(String preferred) {
        List<String> c = new ArrayList<>();
        if (preferred != null && !preferred.isBlank()) {
            c.add(preferred);
        }
        c.add("python3");
        c.add("/usr/bin/python3");
        for (String p : c) {
            if (available(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Runs the script on the cases of {@code c} it mirrors (seg, uda, cyclegan; with c's sizes, widths and repetitions);
     * returns its JSON result (results: case named as ours, size, median_s, ...; peak_rss_bytes; torch; threads).
     */
    public static JsonNode run(String python, BenchConfig c, int threads) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("udas-torch");
        Path script = dir.resolve("torch_bench.py");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        try {
            List<String> cases = c.cases.stream().filter(MIRRORED::contains).toList();
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--cases", String.join(",", cases),
                    "--depth", Integer.toString(c.depth), "--width", Double.toString(c.width),
                    "--classes", Integer.toString(c.numClasses),
                    "--sizes", String.join(",", c.sizes.stream().map(String::valueOf).toList()),
                    "--batch", Integer.toString(c.batch), "--threads", Integer.toString(threads),
                    "--warmup", Integer.toString(c.warmup), "--repeats", Integer.toString(c.repeats),
                    "--uda-size", Integer.toString(c.udaSize), "--ndf", Integer.toString(c.ndf),
                    "--cyclegan-size", Integer.toString(c.cycleganSize), "--ngf", Integer.toString(c.ngf),
                    "--generator-blocks", Integer.toString(c.generatorBlocks)));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("torch reference failed (exit " + p.exitValue() + ")");
            }
            String last = out.strip();
            last = last.substring(last.lastIndexOf('\n') + 1);
            return Json.MAPPER.readTree(last);
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(dir);
        }
    }
}
