package dev.rotor.observe;

import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

/**
 * The operator token as a bearer credential ({@code Authorization: Bearer <token>}). Only the
 * SHA-256 of the configured token is held; a presented token is hashed and the two digests are
 * compared with {@link MessageDigest#isEqual}, which takes the same time wherever they differ,
 * and digests of one length tell nothing about the token's length either.
 */
final class OperatorToken {
    private static final String SCHEME = "bearer ";
    private final byte[] digest;

    private OperatorToken(byte[] digest) {
        this.digest = digest;
    }

    /**
     * @param config the observe settings
     * @return the token to check, when one is set
     */
    static Optional<OperatorToken> of(ObserveConfig config) {
        return config.token().map(t -> new OperatorToken(ObserveConfig.digest(t)));
    }

    /**
     * @param headers a request's headers
     * @return whether they carry exactly one Authorization header with this token
     */
    boolean presentedIn(Headers headers) {
        if (!headers.contains(HeaderNames.AUTHORIZATION)) {
            return false;
        }
        var values = headers.get(HeaderNames.AUTHORIZATION).allValues();
        if (values.size() != 1) {
            return false;
        }
        String value = values.getFirst();
        if (value.length() <= SCHEME.length()
                || !value.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)) {
            return false;
        }
        return MessageDigest.isEqual(digest, ObserveConfig.digest(value.substring(SCHEME.length()).strip()));
    }

    /** @return never the token */
    @Override
    public String toString() {
        return "OperatorToken[(set)]";
    }
}
