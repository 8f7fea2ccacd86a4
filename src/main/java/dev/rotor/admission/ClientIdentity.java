package dev.rotor.admission;

import java.net.Inet4Address;
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
 * <ol>
 *     <li>if a {@link ClientIpHeader client-ip header} is configured and the request carries it
 *     exactly once, as one address literal, that address is the client (Cloudflare's
 *     {@code CF-Connecting-IP}: its edge overwrites whatever the client sent);</li>
 *     <li>else {@code X-Forwarded-For} is walked from the right, past every trusted hop, and the
 *     first untrusted hop is the client. A client can prepend anything to that header, so
 *     entries to the left of the first untrusted hop are never believed.</li>
 * </ol>
 * An untrusted peer is the client whatever it sends: neither header is read from it.
 * <pre>
 * peer 10.0.0.5 (trusted), X-Forwarded-For: 1.2.3.4, 203.0.113.7, 10.0.0.9
 *   -> 10.0.0.9 is trusted, 203.0.113.7 is not: the client is 203.0.113.7 (1.2.3.4 is its claim)
 * peer 10.21.157.68 (trusted), CF-Connecting-IP: 99.61.165.29, X-Forwarded-For: 99.61.165.29, 104.22.17.40
 *   -> with client-ip-header CF-Connecting-IP: 99.61.165.29 (without it: the Cloudflare edge 104.22.17.40)
 * peer 198.51.100.3 (not trusted), X-Forwarded-For: 1.2.3.4 -> the client is 198.51.100.3
 * </pre>
 */
public final class ClientIdentity {
    /** Header naming the caller's API key; its hash, never the key, becomes the rate-limit key. */
    public static final HeaderName API_KEY = HeaderNames.create("X-Api-Key");
    /** Hex digits of the key's SHA-256 kept: 128 bits, far from any collision between clients. */
    private static final int HASH_HEX_DIGITS = 32;

    private final TrustedProxies trusted;
    private final Optional<HeaderName> clientIpHeader;
    /**
     * The last IPv4 client's key: the access log names the client of every request, and most
     * come from an address seen just before (a front door, a busy client), so its text is made
     * once rather than per request.
     */
    private volatile IpKey lastIp;

    private record IpKey(InetAddress address, String key) {
    }

    /**
     * @param trusted peers whose forwarded header is believed
     */
    public ClientIdentity(TrustedProxies trusted) {
        this(trusted, Optional.empty());
    }

    /**
     * @param trusted        peers whose forwarded headers are believed
     * @param clientIpHeader the header such a peer sets to the client's address, if any
     */
    public ClientIdentity(TrustedProxies trusted, Optional<HeaderName> clientIpHeader) {
        this.trusted = trusted;
        this.clientIpHeader = clientIpHeader;
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
        InetAddress peerAddress = inet.getAddress();
        if (trusted.isEmpty() || !trusted.trusts(peerAddress)) {
            // the headers are not even split: an untrusted peer's claims cost nothing
            return Optional.of(peerAddress);
        }
        List<String> claimed = clientIpHeader.filter(h -> req.headers().contains(h))
                .map(h -> req.headers().get(h).allValues())
                .orElse(List.of());
        return Optional.of(resolve(peerAddress, claimed, forwardedHops(req)));
    }

    /**
     * @param peer    the TCP peer
     * @param claimed values of the client-ip header (every line), empty when it is absent or not configured
     * @param hops    {@code X-Forwarded-For} entries, left to right
     * @return the client: the peer; or, when the peer is trusted, the client-ip header's one
     *         address, else the first untrusted hop from the right
     */
    InetAddress resolve(InetAddress peer, List<String> claimed, List<String> hops) {
        InetAddress address = peer;
        if (trusted.isEmpty() || !trusted.trusts(address)) {
            return address;
        }
        if (clientIpHeader.isPresent() && claimed.size() == 1) {
            // one line with one literal; a list, a port or a name is not what the edge writes, so
            // it is not believed and the forwarded list decides
            Optional<InetAddress> client = TrustedProxies.literal(claimed.getFirst());
            if (client.isPresent()) {
                return client.get();
            }
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
        Optional<InetAddress> address = address(req);
        if (address.isEmpty()) {
            return "ip:unknown";
        }
        InetAddress client = address.get();
        IpKey last = lastIp;
        if (last != null && last.address().equals(client)) {
            return last.key();
        }
        String key = "ip:" + client.getHostAddress();
        if (client instanceof Inet4Address) {
            // IPv4 only: equal IPv6 addresses may differ in the scope their text carries
            lastIp = new IpKey(client, key);
        }
        return key;
    }

    /** @return the configured client-ip header, if any */
    public Optional<HeaderName> clientIpHeader() {
        return clientIpHeader;
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
