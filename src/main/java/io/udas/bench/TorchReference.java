package io.udas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.udas.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The same DeepLab-v2 train step and forward pass in PyTorch (CPU), for a side-by-side ratio measured in the same run.
 * A benchmark aid only: the project does not depend on Python. The script is generated into a temporary folder at
 * run time and run with the given Python (which must have torch, e.g. Debian's python3-torch: /usr/bin/python3);
 * its model mirrors {@link io.udas.nn.DeepLabV2} (Caffe-style bottlenecks with the stride in the 1x1 conv, dilations
 * 2/4, frozen BN as eval-mode BatchNorm, ASPP sum of 4 dilated convs, bilinear upsampling with align_corners), with
 * cross-entropy (ignore 255) and SGD momentum as in {@link Workloads.Segmenter}.
 */
public final class TorchReference {

    /** The script's source. */
    public static final String SCRIPT = """
# DeepLab-v2 (ResNet, output stride 8, frozen BN, ASPP sum) train-step and forward timing in PyTorch (CPU).
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
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = DeepLabV2(a.depth, a.classes, width=a.width)
    frozen_bn(model)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-4, momentum=0.9, weight_decay=5e-4)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "depth": a.depth, "width": a.width, "batch": a.batch, "results": []}
    for size in [int(s) for s in a.sizes.split(",")]:
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
        for name, fn in (("train_step", step), ("forward", fwd)):
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
    res["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(res))

if __name__ == "__main__":
    main()
""";

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

    /** Runs the script; returns its JSON result (results: case, size, median_s, ...; peak_rss_bytes; torch; threads). */
    public static JsonNode run(String python, int depth, double width, int numClasses, List<Integer> sizes, int batch,
                               int threads, int warmup, int repeats) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("udas-torch");
        Path script = dir.resolve("torch_bench.py");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        try {
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--depth", Integer.toString(depth), "--width", Double.toString(width),
                    "--classes", Integer.toString(numClasses),
                    "--sizes", String.join(",", sizes.stream().map(String::valueOf).toList()),
                    "--batch", Integer.toString(batch), "--threads", Integer.toString(threads),
                    "--warmup", Integer.toString(warmup), "--repeats", Integer.toString(repeats)));
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
