package dev.rotor.admission;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * Who the caller is, for rate limiting and for any feature that needs the caller's own
 * address (geo-IP). The address is the TCP peer, unless the peer is a trusted proxy: then
 * {@code X-Forwarded-For} is walked from the right, past every trusted hop, and the first
 * untrusted hop is the client. A client can prepend anything to that header, so entries to
 * the left of the first untrusted hop are never believed.
 * <pre>
 * peer 10.0.0.5 (trusted), X-Forwarded-For: 1.2.3.4, 203.0.113.7, 10.0.0.9
 *   -> 10.0.0.9 is trusted, 203.0.113.7 is not: the client is 203.0.113.7 (1.2.3.4 is its claim)
 * peer 198.51.100.3 (not trusted), X-Forwarded-For: 1.2.3.4 -> the client is 198.51.100.3
 * </pre>
 */
public final class ClientIdentity {
    /** Header naming the caller's API key; its hash, never the key, becomes the rate-limit key. */
    public static final HeaderName API_KEY = HeaderNames.create("X-Api-Key");
    /** Hex digits of the key's SHA-256 kept: 128 bits, far from any collision between clients. */
    private static final int HASH_HEX_DIGITS = 32;

    private final TrustedProxies trusted;

    /**
     * @param trusted peers whose forwarded header is believed
     */
    public ClientIdentity(TrustedProxies trusted) {
        this.trusted = trusted;
    }

    /**
     * The caller's own address as admission resolves it.
     *
     * @param req the request
     * @return the client address; empty only when the peer is not an IP socket
     */
    public Optional<InetAddress> address(ServerRequest req) {
        SocketAddress peer = req.remotePeer().address();
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return Optional.empty();
        }
        return Optional.of(resolve(inet.getAddress(), forwardedHops(req)));
    }

    /**
     * @param peer the TCP peer
     * @param hops {@code X-Forwarded-For} entries, left to right
     * @return the client: the peer, or the first untrusted hop from the right when the peer is trusted
     */
    InetAddress resolve(InetAddress peer, List<String> hops) {
        InetAddress address = peer;
        if (trusted.isEmpty() || !trusted.trusts(address)) {
            return address;
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = TrustedProxies.literal(stripPort(hops.get(i)));
            if (hop.isEmpty()) {
                // a trusted proxy wrote something that is no address: the last hop we could
                // vouch for is the best we know
                break;
            }
            address = hop.get();
            if (!trusted.trusts(address)) {
                break;
            }
        }
        return address;
    }

    /**
     * The rate-limit key: {@code key:<sha-256 prefix>} when an API key is sent, else
     * {@code ip:<address>}.
     *
     * @param req the request
     * @return the key
     */
    public String key(ServerRequest req) {
        Optional<String> apiKey = req.headers().first(API_KEY).map(String::trim).filter(k -> !k.isEmpty());
        if (apiKey.isPresent()) {
            return "key:" + sha256Hex(apiKey.get()).substring(0, HASH_HEX_DIGITS);
        }
        return "ip:" + address(req).map(InetAddress::getHostAddress).orElse("unknown");
    }

    private static List<String> forwardedHops(ServerRequest req) {
        List<String> hops = new ArrayList<>();
        if (!req.headers().contains(HeaderNames.X_FORWARDED_FOR)) {
            return hops;
        }
        // several header lines are one list in order (RFC 9110 5.3)
        for (String line : req.headers().get(HeaderNames.X_FORWARDED_FOR).allValues()) {
            for (String hop : line.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.trim());
                }
            }
        }
        return hops;
    }

    /** {@code 1.2.3.4:5678} and {@code [2001:db8::1]:443}, as some proxies write them. */
    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(0, end + 1) : hop;
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
