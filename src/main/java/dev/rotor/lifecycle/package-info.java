/**
 * The replica lifecycle: the quota drawn at boot, the states
 * {@code STARTING -> SERVING -> DRAINING -> EXPIRED}, the drain that takes a replica out of
 * its load balancer before it leaves, the exit modes, the health checks and meters that show
 * it, and the counting filter that feeds it. Time enters as a clock so tests never sleep.
 */
package dev.rotor.lifecycle;
