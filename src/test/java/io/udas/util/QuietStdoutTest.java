package io.udas.util;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class QuietStdoutTest {

    @Test
    void dropsOnlyPrefixedLinesAndRestoresStdout() {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            PrintStream outer = System.out;
            int result = QuietStdout.dropping("Added differentiated op", () -> {
                System.out.println("Added differentiated op conv2d_3");
                System.out.println("cyclegan 1/100");
                System.out.println("Added differentiated op relu");
                return 7;
            });
            assertEquals(7, result);
            assertSame(outer, System.out);
        } finally {
            System.setOut(before);
        }
        assertEquals("cyclegan 1/100" + System.lineSeparator(), captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void restoresStdoutWhenWorkFails() {
        PrintStream before = System.out;
        try {
            QuietStdout.dropping("x", () -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            assertEquals("boom", expected.getMessage());
        }
        assertSame(before, System.out);
    }
}
