/**
 * Rotor's entry point and wiring: {@link dev.rotor.Main} reads configuration, builds the shared
 * parts once, starts the server and installs signal handling; {@link dev.rotor.Replica} is the
 * running replica that owns them and closes them in reverse order.
 */
package dev.rotor;
