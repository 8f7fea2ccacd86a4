package dev.rotor.lifecycle;

/**
 * What the lifecycle needs to know of how it will leave once expired, told by departure (the one
 * place that reads the exit mode): whether liveness turns 503 at expiry, and the words for the log.
 *
 * @param mode         the exit mode as operators write it ({@code liveness}, {@code exit}, {@code evict})
 * @param livenessDown whether liveness turns 503 once the replica expires (the orchestrator restarts it)
 * @param how          how the log says it leaves, e.g. {@code stopping and exiting with code 0}
 */
public record Leaving(String mode, boolean livenessDown, String how) {
}
