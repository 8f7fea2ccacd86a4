package dev.rotor.admission;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The peers whose {@code X-Forwarded-For} is believed: a list of CIDR blocks (IPv4 and IPv6),
 * comma- or space-separated, e.g. {@code 10.0.0.0/8, 172.16.0.0/12, fd00::/8}. A bare address
 * is a block of one. Empty: no peer is trusted.
 *
 * <p>Only address literals are ever parsed, never host names: a forwarded header is client
 * input, and resolving it would let any client make this server do DNS lookups.
 */
public final class TrustedProxies {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+(%[0-9A-Za-z]+)?");

    private final List<Block> blocks;
    private final String text;

    private TrustedProxies(List<Block> blocks, String text) {
        this.blocks = List.copyOf(blocks);
        this.text = text;
    }

    /** @return a list that trusts no one */
    public static TrustedProxies none() {
        return new TrustedProxies(List.of(), "(none)");
    }

    /**
     * @param text CIDR blocks separated by commas or spaces; empty for none
     * @return the list
     * @throws IllegalArgumentException naming the entry that is not a CIDR block
     */
    public static TrustedProxies parse(String text) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : text.trim().split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            Optional<InetAddress> address = literal(host);
            if (address.isEmpty()) {
                throw new IllegalArgumentException("\"" + entry + "\" is not an IPv4 or IPv6 address or CIDR block "
                                                           + "(e.g. 10.0.0.0/8, fd00::/8)");
            }
            int bits = address.get().getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("\"" + entry + "\" has a prefix length outside 0 to " + bits);
                }
            }
            blocks.add(new Block(address.get().getAddress(), prefix));
        }
        return blocks.isEmpty() ? none() : new TrustedProxies(blocks, String.join(",", text.trim().split("[,\\s]+")));
    }

    /**
     * @param address an address
     * @return whether it lies in one of the blocks
     */
    public boolean trusts(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Block block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether no peer is trusted */
    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /**
     * Parse an address literal without any name lookup.
     *
     * @param text {@code 203.0.113.7}, {@code 2001:db8::1}, {@code [2001:db8::1]}
     * @return the address, empty when the text is not a literal
     */
    static Optional<InetAddress> literal(String text) {
        String t = text.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        try {
            var v4 = IPV4.matcher(t);
            if (v4.matches()) {
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(v4.group(i + 1));
                    if (octet > 255) {
                        return Optional.empty();
                    }
                    b[i] = (byte) octet;
                }
                return Optional.of(InetAddress.getByAddress(b));
            }
            if (t.indexOf(':') >= 0 && IPV6_CHARS.matcher(t).matches()) {
                // in brackets the JDK parses an IPv6 literal or fails; it never asks DNS
                return Optional.of(InetAddress.getByName("[" + t + "]"));
            }
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }

    private record Block(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
