package dev.rotor.demo;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * Demonstration settings ({@code rotor.demo}).
 *
 * @param endpoints            whether {@code /demo/work} is routed
 * @param maxWork              the longest hold {@code /demo/work} accepts
 * @param leakBytesPerRequest  bytes kept alive per counted request (0 = no leak)
 */
public record DemoConfig(boolean endpoints, Duration maxWork, int leakBytesPerRequest) {
    /**
     * @param s the {@code rotor.demo} node
     * @return validated settings
     */
    public static DemoConfig from(Settings s) {
        return new DemoConfig(s.bool("endpoints"),
                              s.duration("max-work", Duration.ZERO, Duration.ofSeconds(10)),
                              s.integer("leak-bytes-per-request", 0, 64 * 1024 * 1024));
    }
}
