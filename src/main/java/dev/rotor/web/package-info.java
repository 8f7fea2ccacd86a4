/**
 * What every route shares: the one JSON error shape ({@code {"error": code, "message": sentence}}),
 * the error handlers that produce it for our exceptions, unknown routes and unexpected failures,
 * the listener settings, and the banner at {@code GET /}.
 */
package dev.rotor.web;
