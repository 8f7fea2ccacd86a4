package dev.rotor.support;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    /**
     * Runs an action on a virtual thread and fails when it has not ended by the deadline. For a
     * behaviour whose failure is a wait far longer than its success (a call that waits for a
     * frozen server instead of its own bound): give the deadline generously and make the wrong
     * wait much longer still, so a busy machine can never fail it and a regression always does.
     *
     * @param what     description for the failure message
     * @param deadline generous upper bound
     * @param action   the action; its assertion errors and exceptions are rethrown
     */
    public static void finishes(String what, Duration deadline, Runnable action) {
        FutureTask<Void> task = new FutureTask<>(action, null);
        Thread thread = Thread.ofVirtual().name("await-" + what).start(task);
        try {
            task.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            thread.interrupt();
            throw new AssertionError(what + ": still running after " + deadline, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError(what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }
}
