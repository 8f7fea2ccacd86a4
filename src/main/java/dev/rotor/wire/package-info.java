/**
 * The wire: what a client can hold of a replica before any route runs. Deadlines on the
 * header section, the body and the whole request; a cap on open connections; strict HTTP/1.1
 * framing; and the stuck-work count that a handler still running past its deadline leaves
 * behind. Helidon 4.3 bounds none of these by itself (see docs/reliability.md), so
 * {@link dev.rotor.wire.Wire} takes over the public listener's connections: every connection
 * is watched from accept to close, and a watchdog acts on expired deadlines.
 */
package dev.rotor.wire;
