package dev.rotor.redis;

/**
 * The Redis a replica is talking to, as last seen on a successful call.
 *
 * @param address {@code host:port}
 * @param role    what the server said of itself ({@code ROLE}): {@code primary}, {@code replica},
 *                {@code sentinel}, or {@code unknown} when it could not be asked
 */
public record RedisNode(String address, String role) {
}
