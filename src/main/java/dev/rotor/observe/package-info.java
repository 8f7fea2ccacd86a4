/**
 * Who may see what under {@code /observe}: the public port answers the load balancer's three
 * probes (bounded, at a fixed cost) and refuses everything else there unless the caller holds
 * the operator token ({@code ROTOR_OBSERVE_TOKEN}) or, with neither an admin port nor a token,
 * calls from the machine itself; metrics, replica status and leak reports belong on the admin
 * port ({@code ROTOR_ADMIN_PORT}), where a token, when set, is asked for too.
 */
package dev.rotor.observe;
