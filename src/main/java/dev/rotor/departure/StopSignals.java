package dev.rotor.departure;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start the replica's own drain; the JVM's default would run shutdown hooks
 * at once and exit with 143 while requests are still in flight. Installed before the server
 * starts: a signal that comes while it starts (a rollout, Ctrl-C) is kept and answered with the
 * same drain once the replica serves.
 */
public final class StopSignals {
    /** Exit status when the drain a stop signal starts fails itself. */
    public static final int EXIT_STOP_FAILED = 1;
    private static final System.Logger LOG = System.getLogger(StopSignals.class.getName());

    private final AtomicReference<Runnable> terminate = new AtomicReference<>();
    private final AtomicBoolean asked = new AtomicBoolean();

    private StopSignals() {
    }

    /** @return handlers for SIGTERM and SIGINT, acting once {@link #serving} names the drain */
    public static StopSignals install() {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> signals.onSignal());
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "cannot handle SIG" + name + " (" + e.getMessage() + "); it ends the process at once");
            }
        }
        return signals;
    }

    /**
     * The replica serves: from now on a stop signal runs {@code drain}, and one that came while
     * it started runs it now.
     *
     * @param drain starts the drain (idempotent)
     */
    public void serving(Runnable drain) {
        terminate.set(drain);
        if (asked.get()) {
            onStopSignal(drain, Runtime.getRuntime()::halt);
        }
    }

    private void onSignal() {
        asked.set(true);
        Runnable t = terminate.get();
        if (t != null) {
            onStopSignal(t, Runtime.getRuntime()::halt);
        }
    }

    /**
     * What SIGTERM and SIGINT do: start the replica's drain. Should that fail (seen when the
     * jar was replaced under the running JVM, so the drain's classes no longer load), stop at
     * once: a replica that ignores its stop signal would only meet SIGKILL later, or never.
     *
     * @param terminate starts the drain
     * @param halt      ends the process with a status, at once
     */
    static void onStopSignal(Runnable terminate, IntConsumer halt) {
        try {
            terminate.run();
        } catch (Throwable t) {
            System.err.println("rotor: the drain on a stop signal failed (" + t + "); stopping at once");
            halt.accept(EXIT_STOP_FAILED);
        }
    }
}
