/**
 * The fleet: what the replicas of one service share about rotating. {@link dev.rotor.fleet.RotationLease}
 * bounds how many drain at once (a lease in Redis, a {@link dev.rotor.lifecycle.RotationGate} to
 * the lifecycle); {@link dev.rotor.fleet.FleetConfig} names the service, its Redis namespace and
 * the leak report's settings ({@code rotor.fleet}).
 */
package dev.rotor.fleet;
