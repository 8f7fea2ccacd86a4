/**
 * Rotation as a drop-in Helidon SE feature: {@link dev.rotor.feature.RotorFeature} gives any
 * Helidon SE 4 application the replica lifecycle (jittered quota and the other triggers, the
 * fleet lease, drain, exit modes, stop signals), the probes and {@code /observe/replica},
 * admission (concurrency and per-client rate limits, with Redis or locally) and the wire's
 * deadlines, from one line: {@code WebServer.builder().update(RotorFeature.create(config))}.
 */
package dev.rotor.feature;
