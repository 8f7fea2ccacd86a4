package dev.rotor.redis;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.rotor.config.Settings;

/**
 * Where the Sentinels are and which primary they watch ({@code rotor.redis.sentinels},
 * {@code sentinel-master}, {@code sentinel-password}, {@code password}). With these set the
 * replica asks the Sentinels for the current primary and follows every failover they announce.
 *
 * @param addresses      the Sentinels, {@code host:port} each, in the order given (at least one)
 * @param master         the name the Sentinels monitor the primary under ({@code sentinel monitor <name> ...})
 * @param sentinelPassword password of the Sentinels themselves ({@code requirepass} in sentinel.conf), if any
 * @param password       password of the Redis primary and replicas, if any
 * @param user           ACL user of the Redis primary and replicas ({@code REDIS_USER}), if any
 */
public record SentinelConfig(List<Address> addresses,
                             String master,
                             Optional<String> sentinelPassword,
                             Optional<String> password,
                             Optional<String> user) {
    /**
     * One Sentinel.
     *
     * @param host name or IP address (IPv6 without brackets)
     * @param port TCP port
     */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Reads the Sentinel settings and refuses the combinations that cannot mean what the operator
     * wants: Sentinels beside {@code REDIS_URL}, Sentinels without a master name, a master name,
     * a password or a Sentinel password without Sentinels, a malformed address.
     *
     * @param s       the {@code rotor.redis} node
     * @param withUrl whether {@code rotor.redis.url} is set
     * @return the settings, empty when no Sentinel is configured
     */
    static Optional<SentinelConfig> from(Settings s, boolean withUrl) {
        Optional<String> raw = s.optionalString("sentinels");
        Optional<String> master = s.optionalString("sentinel-master");
        Optional<String> sentinelPassword = s.optionalString("sentinel-password");
        Optional<String> password = s.optionalString("password");
        Optional<String> user = s.optionalString("user");
        if (raw.isEmpty()) {
            onlyWithSentinels(s, "sentinel-master", master, "");
            onlyWithSentinels(s, "sentinel-password", sentinelPassword, "");
            return Optional.empty();
        }
        if (withUrl) {
            throw s.invalid("sentinels", "cannot be set together with REDIS_URL (rotor.redis.url): set REDIS_URL for "
                    + "one Redis, or REDIS_SENTINELS with REDIS_SENTINEL_MASTER for a Sentinel-watched primary, not both");
        }
        if (master.isEmpty()) {
            throw s.invalid("sentinel-master", "must name the primary the Sentinels monitor (the <name> of "
                    + "'sentinel monitor <name> host port quorum') when REDIS_SENTINELS is set");
        }
        if (!master.get().matches("[A-Za-z0-9._-]{1,64}")) {
            throw s.invalid("sentinel-master", "must be 1 to 64 letters, digits, dots, dashes or underscores");
        }
        Set<Address> addresses = new LinkedHashSet<>();
        for (String part : raw.get().split(",")) {
            addresses.add(s.parsed("sentinels", whole -> parse(part.trim())));
        }
        return Optional.of(new SentinelConfig(List.copyOf(new ArrayList<>(addresses)), master.get(), sentinelPassword,
                                              password, user));
    }

    private static void onlyWithSentinels(Settings s, String key, Optional<String> value, String hint) {
        if (value.isPresent()) {
            throw s.invalidSecret(key, "is set but REDIS_SENTINELS (rotor.redis.sentinels) is not; it only applies to "
                    + "Sentinel mode" + hint);
        }
    }

    /**
     * @param text {@code host:port}, {@code [v6]:port}
     * @return the address
     * @throws IllegalArgumentException naming the entry and what is accepted
     */
    static Address parse(String text) {
        String accepted = "must be a comma-separated list of host:port (e.g. sentinel-0:26379,sentinel-1:26379)";
        int colon = text.lastIndexOf(':');
        if (text.isEmpty() || colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(accepted + "; \"" + text + "\" is not");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(accepted + " (IPv6 in brackets: [::1]:26379); \"" + text + "\" is not");
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException(accepted + "; \"" + text + "\" has no valid host");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(accepted + "; \"" + text + "\" has no port from 1 to 65535");
        }
        return new Address(host, port);
    }

    /** @return the Sentinels and master name, without passwords, for logs */
    public String describe() {
        return "Sentinels " + addresses + " watching \"" + master + "\""
                + (sentinelPassword.isPresent() ? " (Sentinel password set)" : "")
                + (password.isPresent() ? " (Redis password set)" : "");
    }

    @Override
    public String toString() {
        return describe();
    }
}
