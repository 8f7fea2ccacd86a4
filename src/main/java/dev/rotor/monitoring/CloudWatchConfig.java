package dev.rotor.monitoring;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * CloudWatch publishing settings ({@code rotor.cloudwatch}). Region and credentials come from
 * the AWS SDK's default chains ({@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID}, profiles,
 * container and instance roles), never from here.
 *
 * @param namespace      CloudWatch namespace; empty: nothing is published
 * @param period         time between two publishes
 * @param endpoint       endpoint override (a local stand-in, a VPC endpoint)
 * @param maxConnections the SDK client's connection pool size (boto3's max_pool_connections)
 * @param timeout        bound on one publish, retries included
 */
public record CloudWatchConfig(Optional<String> namespace,
                               Duration period,
                               Optional<URI> endpoint,
                               int maxConnections,
                               Duration timeout) {
    /**
     * @param s the {@code rotor.cloudwatch} node
     * @return validated settings
     */
    public static CloudWatchConfig from(Settings s) {
        Optional<String> namespace = s.optionalString("namespace");
        if (namespace.isPresent() && (namespace.get().length() > 255 || namespace.get().startsWith("AWS/")
                || !namespace.get().matches("[A-Za-z0-9.\\-_/#:]+"))) {
            throw s.invalid("namespace", "must be 1-255 of A-Z a-z 0-9 . - _ / # : and not start with AWS/");
        }
        Optional<URI> endpoint = s.optionalString("endpoint").map(raw -> {
            try {
                URI uri = URI.create(raw);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            throw s.invalid("endpoint", "must be an http(s) URL such as https://monitoring.eu-west-1.amazonaws.com");
        });
        Duration period = s.duration("period", Duration.ofMillis(100), Duration.ofHours(1));
        Duration timeout = s.duration("timeout", Duration.ofMillis(100), Duration.ofMinutes(5));
        return new CloudWatchConfig(namespace, period, endpoint, s.integer("max-connections", 1, 1000), timeout);
    }
}
