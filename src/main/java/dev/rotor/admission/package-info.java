/**
 * Admission control: what every public request passes before it counts toward the quota.
 * In order: the size limits (answered by the server itself through {@link
 * dev.rotor.admission.SizeLimits}), the global concurrency limit ({@link
 * dev.rotor.admission.ConcurrencyLimiter}), and the per-client rate limit ({@link
 * dev.rotor.admission.RateLimiter}: Redis when it answers, a local limiter at this replica's
 * share when it does not). {@link dev.rotor.admission.ClientIdentity} decides who the client
 * is, believing {@code X-Forwarded-For} only from trusted proxies. An admitted request holds a
 * {@link dev.rotor.admission.Permit} until its handler returns or its deadline passes; the
 * lifecycle counts the permits held as its requests in flight. Nothing under
 * {@code /observe} is ever rejected.
 */
package dev.rotor.admission;
