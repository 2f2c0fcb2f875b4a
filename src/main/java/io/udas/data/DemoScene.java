package io.udas.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One procedural street scene in one-point perspective, painted back to front into a colour image and
 * a Cityscapes label-id map at once, so the two always agree. Two domains share the scene grammar
 * (what stands where) but differ in palette, rendering and layout statistics: a model that learns
 * shapes and positions can adapt, one that learns colours cannot transfer.
 */
final class DemoScene {
    /** The two domains of the demo: GTA5-like source and Cityscapes-like target. */
    enum Domain { SYNTHETIC, REAL }

    static final int ROAD = 7, SIDEWALK = 8, BUILDING = 11, WALL = 12, FENCE = 13, POLE = 17, LIGHT = 19,
            SIGN = 20, VEGETATION = 21, TERRAIN = 22, SKY = 23, PERSON = 24, RIDER = 25, CAR = 26, TRUCK = 27,
            BUS = 28, BICYCLE = 33, EGO = 1;

    /** Layout statistics and rendering of a domain. */
    private record Style(double horizonMin, double horizonMax, int carsMin, int carsMax, double carScale,
                         int personsMin, int personsMax, int treesMin, int treesMax, int polesMin, int polesMax,
                         double buildingMin, double buildingMax, int jitter, boolean ego, boolean shadows,
                         double texture, double noise, double blur, double light, Palette palette) {
    }

    /** Base colours (RGB) of the classes in a domain. */
    private record Palette(int skyTop, int skyHorizon, int road, int marking, int sidewalk, int terrain,
                           int building, int window, int wall, int fence, int pole, int light, int[] signs,
                           int vegetation, int trunk, int[] cars, int carWindow, int[] clothes, int skin,
                           int bicycle, int truck, int bus, int ego) {
    }

    private static final Style SYNTHETIC = new Style(0.42, 0.52, 1, 4, 1.15, 0, 3, 1, 4, 1, 3, 0.35, 0.95, 8,
            false, true, 0, 0, 0, 0, new Palette(
            0x4a90f0, 0xb4d7ff, 0x5f5a69, 0xf0f0f0, 0xbe96a0, 0x96c846,
            0xcdaf78, 0x78aadc, 0xaaa08c, 0x8c643c, 0x78788c, 0x282828,
            new int[]{0xf0c814, 0xf0a014},
            0x32aa32, 0x7a5230, new int[]{0xc81e1e, 0x1e3cc8, 0xe6e6e6, 0xf0c800, 0x141414}, 0x64b4e6,
            new int[]{0xe61e1e, 0x1ec81e, 0x1e1ee6, 0xf0f014, 0xf08c14}, 0xe6be96,
            0x1e1e1e, 0x3c783c, 0xe6781e, 0));

    private static final Style REAL = new Style(0.34, 0.44, 2, 6, 0.85, 1, 5, 2, 6, 2, 4, 0.25, 0.8, 16,
            true, false, 0.12, 5, 0.8, 0.25, new Palette(
            0xc3cdd2, 0xd7dcdc, 0x78766a, 0xb4b4aa, 0x969ba5, 0x82784b,
            0x73697d, 0x32373c, 0x8c8778, 0x6e7873, 0x46464b, 0x191e19,
            new int[]{0x285aaa, 0xc8c8c8, 0xb42828},
            0x465f2d, 0x3c3228, new int[]{0x3c3c41, 0x96969b, 0x5a1e1e, 0x1e2846, 0xc8c8cd}, 0x283237,
            new int[]{0x28282d, 0x3c4650, 0x5a4632, 0x2d3c2d, 0x643c3c}, 0xc8a082,
            0x282828, 0x6e6e78, 0xc8c83c, 0x1e1e23));

    final int height;
    final int width;
    /** Cityscapes label ids, row-major. */
    final int[] ids;
    /** Planar BGR 0..255. */
    final float[] bgr;

    private final SplittableRandom rnd;
    private final Style style;
    private final Palette pal;
    private double yh;
    private double vx;
    private double roadHalf;
    private double side;

    private DemoScene(Domain domain, int height, int width, long seed) {
        this.height = height;
        this.width = width;
        this.ids = new int[height * width];
        this.bgr = new float[3 * height * width];
        this.rnd = new SplittableRandom(seed);
        this.style = domain == Domain.SYNTHETIC ? SYNTHETIC : REAL;
        this.pal = style.palette;
    }

    static DemoScene render(Domain domain, int height, int width, long seed) {
        DemoScene s = new DemoScene(domain, height, width, seed);
        s.paint();
        return s;
    }

    private double u(double a, double b) {
        return a + (b - a) * rnd.nextDouble();
    }

    private int between(int a, int b) {
        return a + rnd.nextInt(b - a + 1);
    }

    private int pick(int[] colours) {
        return colours[rnd.nextInt(colours.length)];
    }

    /** A colour with a per-object jitter of the domain's strength. */
    private int vary(int rgb) {
        int j = style.jitter;
        int r = clamp(((rgb >> 16) & 0xff) + between(-j, j));
        int g = clamp(((rgb >> 8) & 0xff) + between(-j, j));
        int b = clamp((rgb & 0xff) + between(-j, j));
        return (r << 16) | (g << 8) | b;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private void set(int x, int y, int id, int rgb) {
        int i = y * width + x;
        int n = height * width;
        ids[i] = id;
        bgr[i] = rgb & 0xff;
        bgr[n + i] = (rgb >> 8) & 0xff;
        bgr[2 * n + i] = (rgb >> 16) & 0xff;
    }

    // ---- primitives: a pixel is inside when its centre is ----

    private void rect(double x0, double y0, double x1, double y1, int id, int rgb) {
        int xa = Math.max(0, (int) Math.ceil(x0 - 0.5));
        int xb = Math.min(width - 1, (int) Math.ceil(x1 - 0.5) - 1);
        int ya = Math.max(0, (int) Math.ceil(y0 - 0.5));
        int yb = Math.min(height - 1, (int) Math.ceil(y1 - 0.5) - 1);
        for (int y = ya; y <= yb; y++) {
            for (int x = xa; x <= xb; x++) {
                set(x, y, id, rgb);
            }
        }
    }

    /** Filled ellipse, or a ring when {@code inner} > 0 (fraction of the radii left open). */
    private void ellipse(double cx, double cy, double rx, double ry, double inner, int id, int rgb) {
        int xa = Math.max(0, (int) Math.floor(cx - rx));
        int xb = Math.min(width - 1, (int) Math.ceil(cx + rx));
        int ya = Math.max(0, (int) Math.floor(cy - ry));
        int yb = Math.min(height - 1, (int) Math.ceil(cy + ry));
        for (int y = ya; y <= yb; y++) {
            for (int x = xa; x <= xb; x++) {
                double dx = (x + 0.5 - cx) / rx;
                double dy = (y + 0.5 - cy) / ry;
                double d = dx * dx + dy * dy;
                if (d <= 1 && d >= inner * inner) {
                    set(x, y, id, rgb);
                }
            }
        }
    }

    /** Filled convex polygon, vertices in either winding. */
    private void polygon(double[] xs, double[] ys, int id, int rgb) {
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        double area = 0;
        int k = xs.length;
        for (int i = 0; i < k; i++) {
            minX = Math.min(minX, xs[i]);
            maxX = Math.max(maxX, xs[i]);
            minY = Math.min(minY, ys[i]);
            maxY = Math.max(maxY, ys[i]);
            int j = (i + 1) % k;
            area += xs[i] * ys[j] - xs[j] * ys[i];
        }
        double sign = Math.signum(area);
        int xa = Math.max(0, (int) Math.floor(minX));
        int xb = Math.min(width - 1, (int) Math.ceil(maxX));
        int ya = Math.max(0, (int) Math.floor(minY));
        int yb = Math.min(height - 1, (int) Math.ceil(maxY));
        for (int y = ya; y <= yb; y++) {
            for (int x = xa; x <= xb; x++) {
                double px = x + 0.5;
                double py = y + 0.5;
                boolean in = true;
                for (int i = 0; i < k && in; i++) {
                    int j = (i + 1) % k;
                    in = sign * ((xs[j] - xs[i]) * (py - ys[i]) - (ys[j] - ys[i]) * (px - xs[i])) >= 0;
                }
                if (in) {
                    set(x, y, id, rgb);
                }
            }
        }
    }

    /** Darkens road pixels inside an ellipse (a cast shadow: colour only, the label stays road). */
    private void shadow(double cx, double cy, double rx, double ry) {
        int n = height * width;
        for (int y = Math.max(0, (int) (cy - ry)); y <= Math.min(height - 1, (int) (cy + ry)); y++) {
            for (int x = Math.max(0, (int) (cx - rx)); x <= Math.min(width - 1, (int) (cx + rx)); x++) {
                double dx = (x + 0.5 - cx) / rx;
                double dy = (y + 0.5 - cy) / ry;
                int i = y * width + x;
                if (dx * dx + dy * dy <= 1 && ids[i] == ROAD) {
                    bgr[i] *= 0.55f;
                    bgr[n + i] *= 0.55f;
                    bgr[2 * n + i] *= 0.55f;
                }
            }
        }
    }

    // ---- scene ----

    /** Depth along the ground: 0 at the horizon, 1 at the bottom row. */
    private double rowOf(double t) {
        return yh + t * (height - yh);
    }

    private double roadEdge(double t, int sideSign) {
        return vx + sideSign * t * roadHalf;
    }

    private double outerEdge(double t, int sideSign) {
        return vx + sideSign * t * (roadHalf + side);
    }

    private void paint() {
        yh = height * u(style.horizonMin, style.horizonMax);
        vx = width * u(0.4, 0.6);
        roadHalf = width * u(0.3, 0.45);
        side = width * u(0.12, 0.2);
        sky();
        buildings();
        ground();
        List<Item> items = new ArrayList<>();
        if (rnd.nextDouble() < 0.45) {
            barrier(items);
        }
        int trees = between(style.treesMin, style.treesMax);
        for (int i = 0; i < trees; i++) {
            tree(items);
        }
        int poles = between(style.polesMin, style.polesMax);
        for (int i = 0; i < poles; i++) {
            pole(items);
        }
        int cars = between(style.carsMin, style.carsMax);
        for (int i = 0; i < cars; i++) {
            car(items);
        }
        if (rnd.nextDouble() < 0.15) {
            bigVehicle(items);
        }
        int persons = between(style.personsMin, style.personsMax);
        for (int i = 0; i < persons; i++) {
            person(items);
        }
        if (rnd.nextDouble() < 0.35) {
            cyclist(items);
        }
        // Far things first, so that nearer ones cover them.
        items.sort(Comparator.comparingDouble(Item::depth));
        for (Item it : items) {
            it.paint.run();
        }
        if (style.ego) {
            ellipse(width / 2.0, height * 1.08, width * 0.75, height * 0.16, 0, EGO, vary(pal.ego));
        }
        if (style.texture > 0) {
            realism();
        }
    }

    private record Item(double depth, Runnable paint) {
    }

    private void sky() {
        int top = pal.skyTop;
        int hor = pal.skyHorizon;
        for (int y = 0; y < height; y++) {
            double a = Math.min(1, y / Math.max(1, yh));
            int rgb = mix(top, hor, a);
            for (int x = 0; x < width; x++) {
                set(x, y, SKY, rgb);
            }
        }
    }

    private static int mix(int c0, int c1, double a) {
        int r = (int) Math.round(((c0 >> 16) & 0xff) * (1 - a) + ((c1 >> 16) & 0xff) * a);
        int g = (int) Math.round(((c0 >> 8) & 0xff) * (1 - a) + ((c1 >> 8) & 0xff) * a);
        int b = (int) Math.round((c0 & 0xff) * (1 - a) + (c1 & 0xff) * a);
        return (r << 16) | (g << 8) | b;
    }

    private void buildings() {
        double x = -u(0, width * 0.05);
        while (x < width) {
            double bw = width * u(0.08, 0.22);
            if (rnd.nextDouble() < 0.85) {
                double top = yh * (1 - u(style.buildingMin, style.buildingMax));
                int colour = vary(pal.building);
                rect(x, top, x + bw, yh + 1, BUILDING, colour);
                // Window grid: same class, its own colour; a shape cue shared by both domains.
                double cell = Math.max(3, height * 0.05);
                int win = vary(pal.window);
                for (double wy = top + cell * 0.6; wy + cell * 0.5 < yh - cell * 0.3; wy += cell) {
                    for (double wx = x + cell * 0.5; wx + cell * 0.5 < x + bw - cell * 0.3; wx += cell) {
                        rect(wx, wy, wx + cell * 0.5, wy + cell * 0.55, BUILDING, win);
                    }
                }
            }
            x += bw;
        }
    }

    private void ground() {
        int road = vary(pal.road);
        int walk = vary(pal.sidewalk);
        int grass = vary(pal.terrain);
        int marking = vary(pal.marking);
        for (int y = (int) Math.ceil(yh - 0.5); y < height; y++) {
            double t = (y + 0.5 - yh) / (height - yh);
            double rl = roadEdge(t, -1);
            double rr = roadEdge(t, 1);
            double sl = outerEdge(t, -1);
            double sr = outerEdge(t, 1);
            // Dashes lengthen towards the camera: on/off in steps of inverse depth.
            boolean dash = ((int) Math.floor(2.0 / t)) % 2 == 0;
            double markHalf = Math.max(0.5, t * width * 0.008);
            for (int x = 0; x < width; x++) {
                double px = x + 0.5;
                if (px >= rl && px < rr) {
                    set(x, y, ROAD, dash && Math.abs(px - vx) < markHalf ? marking : road);
                } else if (px >= sl && px < sr) {
                    set(x, y, SIDEWALK, walk);
                } else {
                    set(x, y, TERRAIN, grass);
                }
            }
        }
    }

    private void barrier(List<Item> items) {
        int s = rnd.nextBoolean() ? 1 : -1;
        double t1 = u(0.05, 0.35);
        double t2 = u(0.6, 1.2);
        boolean wall = rnd.nextBoolean();
        double hgt = height * (wall ? 0.14 : 0.1);
        int colour = vary(wall ? pal.wall : pal.fence);
        items.add(new Item(t1, () -> {
            double xa = outerEdge(t1, s);
            double xb = outerEdge(t2, s);
            double ya = rowOf(t1);
            double yb = rowOf(t2);
            polygon(new double[]{xa, xb, xb, xa}, new double[]{ya, yb, yb - hgt * t2, ya - hgt * t1},
                    wall ? WALL : FENCE, colour);
        }));
    }

    private void tree(List<Item> items) {
        int s = rnd.nextBoolean() ? 1 : -1;
        double t = u(0.12, 0.85);
        double x = outerEdge(t, s) + s * t * width * u(0.0, 0.08);
        double trunkH = height * 0.32 * t * u(0.8, 1.25);
        double trunkW = Math.max(1, width * 0.012 * t);
        double crown = height * 0.2 * t * u(0.8, 1.3);
        int trunk = vary(pal.trunk);
        int leaves = vary(pal.vegetation);
        items.add(new Item(t, () -> {
            double base = rowOf(t);
            rect(x - trunkW / 2, base - trunkH, x + trunkW / 2, base, VEGETATION, trunk);
            ellipse(x, base - trunkH - crown * 0.6, crown * 1.1, crown, 0, VEGETATION, leaves);
        }));
    }

    private void pole(List<Item> items) {
        int s = rnd.nextBoolean() ? 1 : -1;
        double t = u(0.1, 0.9);
        double x = roadEdge(t, s) + s * t * side * u(0.1, 0.4);
        double len = height * 0.55 * t * u(0.85, 1.15);
        double pw = Math.max(1, width * 0.008 * t);
        double kind = rnd.nextDouble();
        int pc = vary(pal.pole);
        int sign = vary(pick(pal.signs));
        int box = vary(pal.light);
        double sz = Math.max(2, height * 0.07 * t);
        boolean round = rnd.nextBoolean();
        int lamp = rnd.nextInt(3);
        items.add(new Item(t, () -> {
            double base = rowOf(t);
            double top = base - len;
            rect(x - pw / 2, top, x + pw / 2, base, POLE, pc);
            if (kind < 0.5) {
                if (round) {
                    ellipse(x, top + sz / 2, sz / 2, sz / 2, 0, SIGN, sign);
                } else {
                    rect(x - sz / 2, top, x + sz / 2, top + sz * 0.8, SIGN, sign);
                }
            } else if (kind < 0.85) {
                double lw = sz * 0.45;
                double lh = sz * 1.2;
                rect(x - lw / 2, top, x + lw / 2, top + lh, LIGHT, box);
                int[] lamps = {0xff3020, 0xffc020, 0x30e060};
                ellipse(x, top + lh * (lamp + 0.5) / 3, lw * 0.3, lh / 9, 0, LIGHT, lamps[lamp]);
            }
        }));
    }

    private void car(List<Item> items) {
        double t = u(0.12, 1.0);
        double cw = 2 * roadHalf * t * u(0.3, 0.42) * style.carScale;
        double ch = cw * u(0.45, 0.6);
        double cx = vx + t * roadHalf * u(-0.65, 0.65);
        int body = vary(pick(pal.cars));
        int glass = vary(pal.carWindow);
        items.add(new Item(t, () -> {
            double base = rowOf(t);
            if (style.shadows) {
                shadow(cx + cw * 0.15, base, cw * 0.65, ch * 0.18);
            }
            rect(cx - cw / 2, base - ch * 0.62, cx + cw / 2, base - ch * 0.1, CAR, body);
            polygon(new double[]{cx - cw * 0.38, cx - cw * 0.26, cx + cw * 0.26, cx + cw * 0.38},
                    new double[]{base - ch * 0.6, base - ch, base - ch, base - ch * 0.6}, CAR, body);
            polygon(new double[]{cx - cw * 0.32, cx - cw * 0.23, cx + cw * 0.23, cx + cw * 0.32},
                    new double[]{base - ch * 0.62, base - ch * 0.92, base - ch * 0.92, base - ch * 0.62}, CAR, glass);
            ellipse(cx - cw * 0.3, base - ch * 0.12, cw * 0.1, ch * 0.13, 0, CAR, 0x141414);
            ellipse(cx + cw * 0.3, base - ch * 0.12, cw * 0.1, ch * 0.13, 0, CAR, 0x141414);
        }));
    }

    private void bigVehicle(List<Item> items) {
        double t = u(0.15, 0.6);
        boolean bus = rnd.nextBoolean();
        double vw = 2 * roadHalf * t * u(0.45, 0.55);
        double vh = vw * u(0.8, 1.0);
        double cx = vx + t * roadHalf * u(-0.5, 0.5);
        int colour = vary(bus ? pal.bus : pal.truck);
        int glass = vary(pal.carWindow);
        items.add(new Item(t, () -> {
            double base = rowOf(t);
            int id = bus ? BUS : TRUCK;
            rect(cx - vw / 2, base - vh, cx + vw / 2, base - vh * 0.08, id, colour);
            rect(cx - vw * 0.42, base - vh * 0.9, cx + vw * 0.42, base - vh * 0.6, id, glass);
            ellipse(cx - vw * 0.35, base - vh * 0.08, vw * 0.08, vh * 0.09, 0, id, 0x141414);
            ellipse(cx + vw * 0.35, base - vh * 0.08, vw * 0.08, vh * 0.09, 0, id, 0x141414);
        }));
    }

    /** A standing figure with its feet at (x, base). */
    private void figure(double x, double base, double h, int id, int shirt, int trousers, int skin) {
        double w = h * 0.28;
        rect(x - w * 0.45, base - h * 0.45, x - w * 0.05, base, id, trousers);
        rect(x + w * 0.05, base - h * 0.45, x + w * 0.45, base, id, trousers);
        rect(x - w / 2, base - h * 0.8, x + w / 2, base - h * 0.43, id, shirt);
        ellipse(x, base - h * 0.89, w * 0.32, h * 0.1, 0, id, skin);
    }

    private void person(List<Item> items) {
        int s = rnd.nextBoolean() ? 1 : -1;
        double t = u(0.12, 0.95);
        double x = roadEdge(t, s) + s * t * side * u(0.2, 0.9);
        double h = height * 0.33 * t * u(0.85, 1.15);
        int shirt = vary(pick(pal.clothes));
        int trousers = vary(pick(pal.clothes));
        int skin = vary(pal.skin);
        items.add(new Item(t, () -> figure(x, rowOf(t), h, PERSON, shirt, trousers, skin)));
    }

    private void cyclist(List<Item> items) {
        int s = rnd.nextBoolean() ? 1 : -1;
        double t = u(0.2, 0.9);
        double x = roadEdge(t, s) - s * t * roadHalf * u(0.05, 0.2);
        double h = height * 0.33 * t;
        int shirt = vary(pick(pal.clothes));
        int skin = vary(pal.skin);
        int frame = vary(pal.bicycle);
        items.add(new Item(t, () -> {
            double base = rowOf(t);
            double r = h * 0.2;
            ellipse(x - r * 1.3, base - r, r, r, 0.7, BICYCLE, frame);
            ellipse(x + r * 1.3, base - r, r, r, 0.7, BICYCLE, frame);
            polygon(new double[]{x - r * 1.3, x, x + r * 1.3, x}, new double[]{base - r, base - r * 2.1, base - r,
                    base - r * 1.2}, BICYCLE, frame);
            figure(x, base - r * 1.3, h * 0.8, RIDER, shirt, shirt, skin);
        }));
    }

    /**
     * The "real" look: class-dependent fine texture, a lighting gradient, sensor noise and optical
     * blur. Labels are untouched.
     */
    private void realism() {
        int n = height * width;
        float[] tex = valueNoise(3);
        float[] light = valueNoise(Math.max(width, height) / 2.0);
        double gx = u(-1, 1) * style.light;
        double gy = u(0.2, 1) * style.light;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                double amp = switch (ids[i]) {
                    case VEGETATION, TERRAIN -> style.texture * 2.2;
                    case SKY -> style.texture * 0.2;
                    default -> style.texture;
                };
                double f = (1 + amp * tex[i]) * (1 + gx * (x / (double) width - 0.5) - gy * (y / (double) height - 0.5)
                        + 0.5 * style.light * light[i]);
                // Sensor noise: per channel a triangular variate of unit std from two 10-bit uniforms
                // (one random long per pixel; Gaussian draws would dominate the generation time).
                long bits = rnd.nextLong();
                for (int c = 0; c < 3; c++) {
                    double tri = ((bits & 1023) + ((bits >>> 10) & 1023)) / 1023.0 - 1;
                    bits >>>= 20;
                    double v = bgr[c * n + i] * f + style.noise * 2.449 * tri;
                    bgr[c * n + i] = (float) Math.max(0, Math.min(255, v));
                }
            }
        }
        Photometric.blur(bgr, 0, height, width, style.blur);
    }

    /** Smooth noise in [-1, 1] with features about {@code cell} pixels across. */
    private float[] valueNoise(double cell) {
        int gw = (int) Math.ceil(width / cell) + 2;
        int gh = (int) Math.ceil(height / cell) + 2;
        float[] grid = new float[gw * gh];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        float[] out = new float[height * width];
        for (int y = 0; y < height; y++) {
            double fy = y / cell;
            int y0 = (int) fy;
            double wy = fy - y0;
            for (int x = 0; x < width; x++) {
                double fx = x / cell;
                int x0 = (int) fx;
                double wx = fx - x0;
                double top = grid[y0 * gw + x0] * (1 - wx) + grid[y0 * gw + x0 + 1] * wx;
                double bot = grid[(y0 + 1) * gw + x0] * (1 - wx) + grid[(y0 + 1) * gw + x0 + 1] * wx;
                out[y * width + x] = (float) (top * (1 - wy) + bot * wy);
            }
        }
        return out;
    }
}
