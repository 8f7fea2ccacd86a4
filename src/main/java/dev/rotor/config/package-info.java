/**
 * Loading and validating configuration: the root {@code application.yaml}, the documented
 * environment overrides ({@link dev.rotor.config.EnvOverrides}), and typed accessors
 * ({@link dev.rotor.config.Settings}) whose errors name the key, the variable and the bad value.
 * Feature packages turn a {@link dev.rotor.config.Settings} node into their own config record.
 */
package dev.rotor.config;
