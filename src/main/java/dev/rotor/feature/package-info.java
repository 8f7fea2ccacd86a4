/**
 * Rotation as a drop-in Helidon SE feature, and the one place that wires it:
 * {@link dev.rotor.feature.RotorFeature} reads every Rotor setting once
 * ({@link dev.rotor.feature.RotorConfig}, opening nothing), and while Helidon builds the server
 * opens the parts in order ({@link dev.rotor.feature.RotorParts}: the stop signals' handlers,
 * Redis, the wire, the {@link dev.rotor.feature.Rotation} with its triggers, fleet gate and
 * lifecycle, departure, admission, the adapters) and closes them in reverse, giving any Helidon
 * SE 4 application the replica lifecycle, the probes and {@code /observe/replica}, admission and
 * the wire's deadlines from one line:
 * {@code WebServer.builder().update(RotorFeature.create(config))}.
 */
package dev.rotor.feature;
