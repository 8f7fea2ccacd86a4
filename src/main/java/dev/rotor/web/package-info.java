/**
 * What every route shares: the one JSON error shape ({@code {"error": code, "message": sentence,
 * "request_id": id}}), the request ids ({@link dev.rotor.web.RequestIds}),
 * the error handlers that produce it for our exceptions, unknown routes and unexpected failures,
 * the listener settings, and the banner at {@code GET /}.
 */
package dev.rotor.web;
