/**
 * Chat sessions: the bounded in-memory store (Caffeine, least recently used first, idle
 * expiry), its Redis tier that lets a session outlive the replica that made it, the
 * per-session lock that keeps messages in order, and the {@code /api/sessions} routes that
 * call the chat upstream with a session's bounded history.
 */
package dev.rotor.session;
