package dev.rotor.observe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * Who may read the operator paths, and the bound on the public probes ({@code rotor.observe}).
 *
 * @param token                     the operator token ({@code ROTOR_OBSERVE_TOKEN}); empty = none. Never
 *                                  logged ({@link #toString}); compared by its digest in constant time
 * @param probeConcurrency          public probes answered at once for direct callers (the orchestrator)
 * @param forwardedProbeConcurrency public probes answered at once for callers behind a proxy (from outside)
 */
public record ObserveConfig(Optional<String> token, int probeConcurrency, int forwardedProbeConcurrency) {
    /**
     * Shortest token accepted: 24 characters of a random hex or base64 string carry 96 bits or
     * more ({@code openssl rand -hex 32} gives 64; Render's generateValue 44).
     */
    static final int MIN_TOKEN_LENGTH = 24;
    /** Longest token accepted: it travels in a request header, which the header limit also bounds. */
    static final int MAX_TOKEN_LENGTH = 512;

    /**
     * @param s the {@code rotor.observe} node
     * @return the validated settings
     */
    public static ObserveConfig from(Settings s) {
        Optional<String> token = s.optionalString("token");
        token.ifPresent(t -> {
            if (t.length() < MIN_TOKEN_LENGTH || t.length() > MAX_TOKEN_LENGTH) {
                throw s.invalidSecret("token", "must be " + MIN_TOKEN_LENGTH + " to " + MAX_TOKEN_LENGTH
                        + " characters long (e.g. the output of openssl rand -hex 32); empty = no token");
            }
            if (!t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw s.invalidSecret("token", "must be visible ASCII characters only (it is sent as "
                        + "Authorization: Bearer <token>), no spaces");
            }
        });
        return new ObserveConfig(token,
                                 s.integer("probe-concurrency", 1, 1024),
                                 s.integer("forwarded-probe-concurrency", 1, 1024));
    }

    /**
     * @param token a token as sent or configured
     * @return its SHA-256: digests of one length, so that comparing them never tells a length
     */
    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** @return the settings as logged: whether a token is set, never the token */
    @Override
    public String toString() {
        return "observe-token=" + (token.isPresent() ? "(set)" : "(none)") + " probe-concurrency="
                + probeConcurrency + " forwarded-probe-concurrency=" + forwardedProbeConcurrency;
    }
}
