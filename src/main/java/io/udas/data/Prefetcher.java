package io.udas.data;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * Computes {@code task(i)} for i = start, start+1, ... on background threads, up to {@code depth} ahead,
 * and hands the results out in order. Results depend only on i, so thread timing never changes them.
 */
final class Prefetcher<T> implements AutoCloseable {
    private final ExecutorService pool;
    private final LongFunction<T> task;
    private final int depth;
    private final long end;
    private final ArrayDeque<Future<T>> queue = new ArrayDeque<>();
    private long nextSubmit;

    /** @param end one past the last index (Long.MAX_VALUE: endless) */
    Prefetcher(String name, int threads, int depth, long start, long end, LongFunction<T> task) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.task = task;
        this.depth = Math.max(depth, threads);
        this.nextSubmit = start;
        this.end = end;
    }

    boolean hasNext() {
        fill();
        return !queue.isEmpty();
    }

    T next() {
        fill();
        Future<T> f = queue.poll();
        if (f == null) {
            throw new java.util.NoSuchElementException();
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while loading data", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new DataException(String.valueOf(c.getMessage()), c);
        }
    }

    private void fill() {
        while (queue.size() < depth && nextSubmit < end) {
            long i = nextSubmit++;
            queue.add(pool.submit(() -> task.apply(i)));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
