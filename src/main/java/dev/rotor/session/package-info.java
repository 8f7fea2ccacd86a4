/**
 * Chat sessions: one {@link dev.rotor.session.SessionStore} interface with two
 * implementations, memory only ({@link dev.rotor.session.LocalSessionStore}) and memory over
 * Redis ({@code TieredSessionStore}, which lets a session outlive the replica that made it),
 * both bounded by the same memory tier (Caffeine, least recently used first, idle expiry);
 * the per-session lock that keeps messages in order; and the {@code /api/sessions} routes that
 * call the chat upstream with a session's bounded history.
 */
package dev.rotor.session;
