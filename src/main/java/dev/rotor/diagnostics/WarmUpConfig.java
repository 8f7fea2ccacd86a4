package dev.rotor.diagnostics;

import java.time.Duration;

import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

/**
 * The warm-up a fresh replica gives its own code before its readiness turns 200
 * ({@code rotor.warmup}, see {@link WarmUp}).
 *
 * @param requests requests the replica sends itself; 0 = no warm-up
 * @param timeout  bound on the whole warm-up: readiness comes when it ends, done or not
 * @param auto     whether {@code requests} was chosen by {@code auto} for this JVM
 */
public record WarmUpConfig(int requests, Duration timeout, boolean auto) {
    /** What {@code auto} sends when the JVM does not compile the request path early by itself. */
    public static final int AUTO_REQUESTS = 300;
    private static final String AUTO = "auto";
    private static final int MAX_REQUESTS = 100_000;

    /**
     * @param requests requests the replica sends itself; 0 = no warm-up
     * @param timeout  bound on the whole warm-up
     */
    public WarmUpConfig(int requests, Duration timeout) {
        this(requests, timeout, false);
    }

    /**
     * @param s the {@code rotor.warmup} node
     * @return validated settings, {@code auto} resolved for this JVM
     */
    public static WarmUpConfig from(Settings s) {
        return from(s, Jit.current() == Jit.QUICK && Jit.compilesEarly());
    }

    /**
     * {@code requests: auto} is none when the JVM runs the quick JIT and compiles early what its
     * AOT cache's training run compiled (bin/run's and the image's default with a quota): the
     * request path is then compiled as its classes initialize, and the warm-up bought 0.5-0.6 in
     * the first 800 requests' p99 ratio for 100-150 ms of readiness ({@code bench/warmup},
     * {@code bench/startup ready}, docs/benchmarks.md). Otherwise (the full JIT, no cache, Java
     * 21-24) {@value #AUTO_REQUESTS}, without which the first requests waited for the compiler.
     *
     * @param s             the {@code rotor.warmup} node
     * @param compilesEarly whether this JVM compiles the trained request path early
     * @return validated settings
     */
    static WarmUpConfig from(Settings s, boolean compilesEarly) {
        Duration timeout = s.duration("timeout", Duration.ofMillis(10), Duration.ofMinutes(1));
        if (s.string("requests").trim().equalsIgnoreCase(AUTO)) {
            return new WarmUpConfig(compilesEarly ? 0 : AUTO_REQUESTS, timeout, true);
        }
        try {
            return new WarmUpConfig(s.integer("requests", 0, MAX_REQUESTS), timeout);
        } catch (InvalidSettingException e) {
            throw s.invalid("requests", "must be auto or a whole number from 0 to " + MAX_REQUESTS);
        }
    }

    /** @return why there is no warm-up, for the startup log */
    public String whyNone() {
        return auto ? "rotor.warmup.requests=auto: the quick JIT compiles the trained request path early from the AOT cache"
                : "rotor.warmup.requests=0";
    }
}
