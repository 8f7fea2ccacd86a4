package dev.rotor.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * Chat upstream settings ({@code rotor.chat}). Which model answers:
 * {@code base-url} set: that OpenAI-compatible server (with the key as bearer token if set);
 * else {@code api-key} set: Together AI; else the built-in echo model.
 *
 * @param apiKey    bearer token; never logged, never in a metric or an error ({@link #toString()} hides it)
 * @param baseUrl   OpenAI-compatible base URL, {@code /chat/completions} is appended
 * @param model     model name sent upstream
 * @param timeout   bound on one whole upstream call, connection wait included
 * @param maxTokens most tokens the upstream may generate per reply
 */
public record ChatConfig(Optional<String> apiKey, Optional<URI> baseUrl, String model, Duration timeout, int maxTokens) {
    /** Together AI's OpenAI-compatible endpoint, used when only a key is set. */
    public static final URI TOGETHER = URI.create("https://api.together.xyz/v1");

    /**
     * @param s the {@code rotor.chat} node
     * @return validated settings
     */
    public static ChatConfig from(Settings s) {
        Optional<URI> base = s.optionalString("base-url").map(raw -> {
            try {
                URI uri = URI.create(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            throw s.invalid("base-url", "must be an http(s) URL such as https://api.together.xyz/v1");
        });
        // TOGETHER_API_TIMEOUT was a number of seconds in the Python stack; keep accepting that
        String rawTimeout = s.string("timeout").trim();
        Duration timeout = rawTimeout.matches("\\d{1,6}") ? Duration.ofSeconds(Long.parseLong(rawTimeout))
                : s.duration("timeout", Duration.ofMillis(1), Duration.ofMinutes(10));
        if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw s.invalid("timeout", "must be between 1 ms and 10 minutes");
        }
        String model = s.string("model").trim();
        if (model.isEmpty() && (base.isPresent() || s.optionalString("api-key").isPresent())) {
            throw s.invalid("model", "must name a model when a chat upstream is configured");
        }
        return new ChatConfig(s.optionalString("api-key"), base, model, timeout, s.integer("max-tokens", 1, 1_000_000));
    }

    /** @return the upstream base URL, or empty for the echo model */
    public Optional<URI> endpoint() {
        return baseUrl.or(() -> apiKey.map(k -> TOGETHER));
    }

    @Override
    public String toString() {
        return "ChatConfig[apiKey=" + (apiKey.isPresent() ? "(set)" : "(none)") + ", baseUrl="
                + baseUrl.map(URI::toString).orElse("(none)") + ", model=" + model + ", timeout=" + timeout
                + ", maxTokens=" + maxTokens + "]";
    }
}
