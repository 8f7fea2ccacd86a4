package dev.rotor.upstream;

import java.time.Duration;
import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * Geo-IP settings ({@code rotor.geoip}).
 *
 * @param urlTemplate provider URL with {@code {ip}} where the address goes, answering
 *                    ip-api-style JSON; empty: lookups answer 503 naming {@code ROTOR_GEOIP_URL}
 * @param timeout     bound on one provider call
 * @param cacheSize   most answers cached
 * @param cacheTtl    how long an answer is reused
 */
public record GeoIpConfig(Optional<String> urlTemplate, Duration timeout, int cacheSize, Duration cacheTtl) {
    /**
     * @return the provider as logs may show it: scheme, host and port only (a template can
     *         carry a key in its query or user info)
     */
    public String safeProvider() {
        return urlTemplate.map(u -> {
            java.net.URI uri = java.net.URI.create(u.replace(PLACEHOLDER, "0.0.0.0"));
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        }).orElse("(none)");
    }

    /** What the template must contain. */
    public static final String PLACEHOLDER = "{ip}";

    /**
     * @param s the {@code rotor.geoip} node
     * @return validated settings
     */
    public static GeoIpConfig from(Settings s) {
        Optional<String> url = s.optionalString("url");
        if (url.isPresent()) {
            String u = url.get();
            if (!(u.startsWith("http://") || u.startsWith("https://")) || !u.contains(PLACEHOLDER)) {
                throw s.invalid("url", "must be an http(s) URL containing {ip}, e.g. http://ip-api.com/json/{ip}");
            }
            try {
                java.net.URI.create(u.replace(PLACEHOLDER, "127.0.0.1"));
            } catch (IllegalArgumentException e) {
                throw s.invalid("url", "is not a valid URL once {ip} is filled in");
            }
        }
        return new GeoIpConfig(url,
                               s.duration("timeout", Duration.ofMillis(1), Duration.ofMinutes(5)),
                               s.integer("cache-size", 0, 10_000_000),
                               s.duration("cache-ttl", Duration.ZERO, Duration.ofDays(30)));
    }
}
