package dev.rotor.diagnostics;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * The warm-up a fresh replica gives its own code before its readiness turns 200
 * ({@code rotor.warmup}, see {@link WarmUp}).
 *
 * @param requests requests the replica sends itself; 0 = no warm-up
 * @param timeout  bound on the whole warm-up: readiness comes when it ends, done or not
 */
public record WarmUpConfig(int requests, Duration timeout) {
    /**
     * @param s the {@code rotor.warmup} node
     * @return validated settings
     */
    public static WarmUpConfig from(Settings s) {
        return new WarmUpConfig(s.integer("requests", 0, 100_000),
                                s.duration("timeout", Duration.ofMillis(10), Duration.ofMinutes(1)));
    }
}
