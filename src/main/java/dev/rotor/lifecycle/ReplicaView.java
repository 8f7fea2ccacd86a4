package dev.rotor.lifecycle;

import java.time.Duration;

/**
 * What a trigger may see of the replica, read once per tick: a record of counts and ages, not
 * the lifecycle that owns them, so that triggers depend on nothing above them.
 *
 * @param served   public requests counted so far
 * @param quota    the drawn quota, 0 when request rotation is off
 * @param age      time since the lifecycle was created (process boot, in practice)
 * @param inFlight public requests in flight
 */
public record ReplicaView(long served, long quota, Duration age, int inFlight) {
}
