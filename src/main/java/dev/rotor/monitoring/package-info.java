/**
 * Shipping the key meters elsewhere: a background publisher that reads the replica's meter
 * registry and sends a handful of metrics to CloudWatch through the AWS SDK, off the request
 * path, with a bounded connection pool and one log line per success/failure transition.
 */
package dev.rotor.monitoring;
