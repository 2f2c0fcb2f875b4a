package io.udas.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimingTest {

    /** A task of about 20 ms whose run number i makes the fake JIT clock advance by compileMillis[i] ms. */
    private static Timing.Result time(int warmup, int maxWarmup, int repeats, long[] compileMillis, AtomicInteger runs) {
        AtomicLong clock = new AtomicLong();
        Runnable task = () -> {
            int i = runs.getAndIncrement();
            clock.addAndGet(i < compileMillis.length ? compileMillis[i] : 0);
            sleep(20);
        };
        return Timing.time(warmup, maxWarmup, repeats, task, clock::get);
    }

    @Test
    void warmUpGoesOnWhileTheJitCompilesAndStopsOnceItSettles() {
        AtomicInteger runs = new AtomicInteger();
        // runs 0-3 compile for longer than 2% of 20 ms, run 4 does not
        Timing.Result r = time(2, 10, 3, new long[]{500, 300, 100, 50, 0}, runs);
        assertEquals(5, r.warmupRuns());
        assertEquals(8, runs.get());
        assertEquals(3, r.wall().size());
        r.jit().forEach(j -> assertEquals(0.0, j));
        r.wall().forEach(w -> assertEquals(0.02, w, 0.015));
    }

    @Test
    void warmUpStopsAtItsMaximumAndTheTimedRunsRecordTheCompileTime() {
        AtomicInteger runs = new AtomicInteger();
        long[] always = new long[20];
        java.util.Arrays.fill(always, 100);
        Timing.Result r = time(1, 4, 2, always, runs);
        assertEquals(4, r.warmupRuns());
        assertEquals(6, runs.get());
        r.jit().forEach(j -> assertEquals(0.1, j, 1e-9));
    }

    @Test
    void noWarmUpWhenNoneIsAsked() {
        AtomicInteger runs = new AtomicInteger();
        Timing.Result r = time(0, 10, 1, new long[]{100, 100}, runs);
        assertEquals(0, r.warmupRuns());
        assertEquals(1, runs.get());
        assertEquals(0.1, r.jit().get(0), 1e-9);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
