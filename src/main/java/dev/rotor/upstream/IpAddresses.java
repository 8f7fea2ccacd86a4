package dev.rotor.upstream;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parsing IP address literals (never a DNS lookup) and naming the ranges that a geo-IP
 * provider cannot place: loopback, private, link-local, unspecified, carrier-grade NAT,
 * unique-local IPv6, multicast.
 */
final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    private IpAddresses() {
    }

    /**
     * @param text candidate literal
     * @return the address, when {@code text} is an IPv4 or IPv6 literal
     */
    static Optional<InetAddress> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        boolean v4 = IPV4.matcher(text).matches();
        boolean v6 = !v4 && text.indexOf(':') >= 0 && IPV6_CHARS.matcher(text).matches();
        if (!v4 && !v6) {
            return Optional.empty(); // never hand a host name to getByName: that would be a DNS lookup
        }
        try {
            return Optional.of(InetAddress.getByName(v6 ? "[" + text + "]" : text));
        } catch (UnknownHostException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * @param a an address
     * @return the name of its non-public range, or empty for a public address
     */
    static Optional<String> localScope(InetAddress a) {
        byte[] b = a.getAddress();
        if (a.isLoopbackAddress()) {
            return Optional.of("loopback");
        }
        if (a.isAnyLocalAddress()) {
            return Optional.of("unspecified");
        }
        if (a.isLinkLocalAddress()) {
            return Optional.of("link-local");
        }
        if (a.isSiteLocalAddress()) {
            return Optional.of("private");
        }
        if (a.isMulticastAddress()) {
            return Optional.of("multicast");
        }
        if (b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64) {
            return Optional.of("carrier-grade-nat"); // 100.64.0.0/10
        }
        if (b.length == 16 && (b[0] & 0xfe) == 0xfc) {
            return Optional.of("private"); // fc00::/7 unique local
        }
        return Optional.empty();
    }
}
