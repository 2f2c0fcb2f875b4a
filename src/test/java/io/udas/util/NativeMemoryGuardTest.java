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
    void trimsOnlyWhenMallocHoldsMoreThanTheBaseInFreeChunks() {
        NativeMemoryGuard g = new NativeMemoryGuard(2 * GB, 12 * GB);
        assertFalse(g.shouldTrim(GB));
        assertFalse(g.shouldTrim(2 * GB));
        assertTrue(g.shouldTrim(2 * GB + 1));
        assertTrue(g.shouldTrim(-1), "without malloc statistics every pass trims");
    }

    @Test
    void afterTuningMallocKeepsAFreedBlockForReuse() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeMemoryGuard.lookUp("mallinfo2") != null, "glibc 2.33+");
        assertTrue(NativeMemoryGuard.keepFreedMemory());
        // above glibc's largest mmap threshold (32 MB) and within an arena heap: by default glibc mmaps such a block
        // and unmaps it on free; tuned, the freed block stays in malloc's free chunks
        long size = NativeMemoryGuard.ARENA_HEAP_BYTES * 3 / 4;
        NativeMemoryGuard.MallocStats[] s = statsAroundFree(size);
        long grew = s[1].free() - s[0].free();
        assertTrue(grew >= size / 2, "free chunks grew by " + grew);
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
        NativeMemoryGuard.MallocStats[] s = statsAroundFree(size);
        long during = s[0].inUse();
        long after = s[1].inUse();
        assertTrue(during - before.inUse() >= size / 2, "in use grew by " + (during - before.inUse()));
        assertTrue(during - after >= size / 2, "in use fell by " + (during - after));
    }

    /** malloc(size), then malloc's statistics while the block is held and after it is freed. */
    private static NativeMemoryGuard.MallocStats[] statsAroundFree(long size) {
        com.sun.jna.Pointer block = NativeMemoryGuard.lookUp("malloc").invokePointer(new Object[]{size});
        NativeMemoryGuard.MallocStats during = NativeMemoryGuard.MallocStats.read();
        NativeMemoryGuard.lookUp("free").invokeVoid(new Object[]{block});
        return new NativeMemoryGuard.MallocStats[]{during, NativeMemoryGuard.MallocStats.read()};
    }

    @Test
    void trimsMallocOnGlibcLinux() {
        boolean glibc = System.getProperty("os.name").equals("Linux")
                && new java.io.File("/usr/bin/ldd").exists();
        assertEquals(glibc, NativeMemoryGuard.trimMalloc());
    }
}
