package io.udas.util;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Drops known library chatter from stdout. SameDiff M2.1 prints one "Added differentiated op X" line
 * per op (thousands for a ResNet) the first time it builds a gradient function; a user's terminal and
 * logs should show progress, not that.
 */
public final class QuietStdout {
    private QuietStdout() {
    }

    /** Runs {@code work} with lines starting with {@code prefix} removed from stdout. */
    public static <T> T dropping(String prefix, Supplier<T> work) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(original, true) {
            @Override
            public void println(String line) {
                if (line == null || !line.startsWith(prefix)) {
                    super.println(line);
                }
            }
        });
        try {
            return work.get();
        } finally {
            System.setOut(original);
        }
    }
}
