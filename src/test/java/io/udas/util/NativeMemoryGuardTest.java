package io.udas.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeMemoryGuardTest {
    private static final long GB = 1L << 30;

    @Test
    void collectsAboveTheLimitAndAdaptsToTheLiveSet() {
        NativeMemoryGuard g = new NativeMemoryGuard(2 * GB, 12 * GB);
        assertFalse(g.shouldCollect(2 * GB));
        assertTrue(g.shouldCollect(2 * GB + 1));
        // a GC that leaves 3 GB live: the next GC waits until 4.5 GB
        g.collected(3 * GB);
        assertEquals(3 * GB + 3 * GB / 2, g.limit());
        assertFalse(g.shouldCollect(4 * GB));
        assertTrue(g.shouldCollect(5 * GB));
        // once the live set is small again the limit returns to the base, not below
        g.collected(GB / 2);
        assertEquals(2 * GB, g.limit());
        // never above the ceiling (below JavaCPP's hard cap), even with a large live set
        g.collected(10 * GB);
        assertEquals(12 * GB, g.limit());
    }

    @Test
    void trimsOnlyWhenTheRssExceedsMallocsBytesInUseByMoreThanTheBase() {
        NativeMemoryGuard g = new NativeMemoryGuard(2 * GB, 12 * GB);
        assertFalse(g.shouldTrim(3 * GB, GB));
        assertFalse(g.shouldTrim(5 * GB, 3 * GB));
        assertTrue(g.shouldTrim(5 * GB + 1, 3 * GB));
        assertTrue(g.shouldTrim(GB, -1), "without malloc statistics every pass trims");
    }

    @Test
    void mallocStatisticsSeeABufferAllocatedAndFreed() {
        NativeMemoryGuard.MallocStats before = NativeMemoryGuard.MallocStats.read();
        boolean glibc233 = NativeMemoryGuard.lookUp("mallinfo2") != null;
        assertEquals(glibc233, before != null);
        if (before == null) {
            return;
        }
        // 1 GB, mmapped and never touched (no RSS): large against what other threads of the test JVM may allocate or
        // free between the readings, so half of it must show
        long size = 1L << 30;
        com.sun.jna.Function malloc = NativeMemoryGuard.lookUp("malloc");
        com.sun.jna.Function free = NativeMemoryGuard.lookUp("free");
        com.sun.jna.Pointer block = malloc.invokePointer(new Object[]{size});
        long during = NativeMemoryGuard.MallocStats.read().inUse();
        free.invokeVoid(new Object[]{block});
        long after = NativeMemoryGuard.MallocStats.read().inUse();
        assertTrue(during - before.inUse() >= size / 2, "in use grew by " + (during - before.inUse()));
        assertTrue(during - after >= size / 2, "in use fell by " + (during - after));
    }

    @Test
    void trimsMallocOnGlibcLinux() {
        boolean glibc = System.getProperty("os.name").equals("Linux")
                && new java.io.File("/usr/bin/ldd").exists();
        assertEquals(glibc, NativeMemoryGuard.trimMalloc());
    }
}
