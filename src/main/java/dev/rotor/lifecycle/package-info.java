/**
 * The replica lifecycle's core: the states {@code STARTING -> SERVING -> DRAINING -> EXPIRED}
 * ({@link dev.rotor.lifecycle.ReplicaLifecycle}), the drain that takes a replica out of its load
 * balancer before it leaves, and the triggers that start it, all built in
 * {@link dev.rotor.lifecycle.Triggers}: each sees a {@link dev.rotor.lifecycle.ReplicaView} and
 * answers a {@link dev.rotor.lifecycle.Decision}, which the trigger policy admits (minimum
 * lifetime, a {@link dev.rotor.lifecycle.RotationGate}). It imports nothing of Rotor's but its
 * settings: the fleet lease, departure, diagnostics and adapters build on it, never the other
 * way. Time enters as a clock so tests never sleep.
 */
package dev.rotor.lifecycle;
