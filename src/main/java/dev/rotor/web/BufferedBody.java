package dev.rotor.web;

/**
 * A request body read in full before the request took a concurrency permit (see
 * {@code dev.rotor.wire.Wire#bufferBody}); handlers read it from the request context instead
 * of the socket.
 *
 * @param bytes the body
 */
public record BufferedBody(byte[] bytes) {
}
