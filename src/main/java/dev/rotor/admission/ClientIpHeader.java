package dev.rotor.admission;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

/**
 * The header a trusted front door sets to the client's own address, believed only when the TCP
 * peer is a trusted proxy: {@code CF-Connecting-IP} behind Cloudflare (Render puts every service
 * behind it), {@code True-Client-IP} behind Akamai, {@code X-Real-IP} behind an nginx that sets it.
 * Empty (the default): only {@code X-Forwarded-For} is read.
 *
 * <p>Names that carry something else are refused at startup: {@code X-Forwarded-For} is read
 * anyway (through {@code trusted-proxies}), and framing or routing headers are never addresses.
 */
public final class ClientIpHeader {
    /** Headers that can never hold the client's address (framing, routing, the list walked anyway). */
    private static final Set<String> REFUSED = Set.of("x-forwarded-for", "forwarded", "host", "content-length",
                                                      "transfer-encoding", "connection", "upgrade", "te", "trailer",
                                                      "x-api-key");
    /** RFC 9110 §5.6.2 token characters besides letters and digits. */
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
    /** Longest name accepted; real ones are under 20 characters. */
    private static final int MAX_NAME = 64;

    private ClientIpHeader() {
    }

    /**
     * @param text a header name, or empty for none
     * @return the header, empty when none is configured
     * @throws IllegalArgumentException when the text is no header name, or a refused one
     */
    public static Optional<HeaderName> parse(String text) {
        String name = text.strip();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (name.length() > MAX_NAME || !name.chars().allMatch(ClientIpHeader::isTchar)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a header name (letters, digits and "
                                                       + TCHAR_SYMBOLS + ", at most " + MAX_NAME + " characters)");
        }
        if (REFUSED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(name + " cannot name the client's address: use trusted-proxies for "
                                                       + "X-Forwarded-For, or a header such as CF-Connecting-IP");
        }
        return Optional.of(HeaderNames.create(name));
    }

    private static boolean isTchar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || TCHAR_SYMBOLS.indexOf(c) >= 0;
    }
}
