package io.udas.data;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent random seeds from (seed, stream, epoch, position, ...), so that every random draw
 * of the data pipeline is a pure function of where it happens and never of thread timing.
 */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64 finaliser: a bijective, well-mixing 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A seed that depends on every part, in order. */
    public static long derive(long seed, long... parts) {
        long h = mix(seed + 0x9e3779b97f4a7c15L);
        for (long p : parts) {
            h = mix(h ^ mix(p + 0x632be59bd9b4e019L));
        }
        return h;
    }

    /** A seed for a named stream (e.g. "source", "target"), so that datasets of one run draw independently. */
    public static long derive(long seed, String stream) {
        long h = 1125899906842597L;
        for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return derive(seed, h);
    }
}
