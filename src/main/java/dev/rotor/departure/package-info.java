/**
 * How a replica leaves, and the one place that reads the exit mode
 * ({@link dev.rotor.departure.DepartureConfig}): {@link dev.rotor.departure.Departure} acts on
 * the lifecycle's expiry (liveness down, stop and exit, or self-eviction through
 * {@link dev.rotor.departure.Evictor}), warns of Kubernetes' restart back-off, and
 * {@link dev.rotor.departure.StopSignals} turns SIGTERM and SIGINT into the drain.
 */
package dev.rotor.departure;
