/**
 * Everything that calls out over HTTP: the one shared outbound client (a hard cap on open
 * connections, a bound on kept-alive ones, connect, read and whole-call deadlines), the chat
 * completion upstream (OpenAI-compatible, or the built-in echo model), the geo-IP lookup with
 * its bounded cache, and the mapping of upstream failures to 502, 503 and 504.
 */
package dev.rotor.upstream;
