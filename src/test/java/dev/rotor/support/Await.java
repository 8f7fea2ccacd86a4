package dev.rotor.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline: tests assert on what happens, never on how long
 * a sleep was.
 */
public final class Await {
    private Await() {
    }

    /**
     * @param what      description for the failure message
     * @param timeout   deadline
     * @param condition the condition to reach
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /**
     * @param what     description
     * @param timeout  deadline
     * @param value    value to read
     * @param expected value to wait for
     * @param <T>      value type
     */
    public static <T> void equal(String what, Duration timeout, Supplier<T> value, T expected) {
        try {
            until(what + " to become " + expected, timeout, () -> expected.equals(value.get()));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " (last value: " + value.get() + ")", e);
        }
    }
}
