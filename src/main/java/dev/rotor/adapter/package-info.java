/**
 * The lifecycle as Helidon sees it, in and out: {@link dev.rotor.adapter.CountingFilter} feeds it
 * every public request; {@link dev.rotor.adapter.LifecycleHealthChecks} (startup, readiness,
 * liveness), {@link dev.rotor.adapter.ReplicaService} ({@code /observe/replica}) and the meters
 * ({@link dev.rotor.adapter.LifecycleMetrics}, {@link dev.rotor.adapter.RotationMetrics}) show it.
 * Adapters only: every decision they show is made in {@code lifecycle}, {@code fleet} or
 * {@code departure}.
 */
package dev.rotor.adapter;
