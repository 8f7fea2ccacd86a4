package dev.rotor.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;

/**
 * Typed, validated reads of one configuration node. Every failure is an
 * {@link InvalidSettingException} whose message names the key, the environment
 * variable that sets it and the rejected value, e.g.
 * {@code invalid configuration: ROTOR_MAX_REQUESTS (rotor.lifecycle.max-requests) = "-5":
 * must be a whole number from 0 to 100000000}.
 */
public final class Settings {
    /** A number with a unit; no unit means seconds, as gunicorn's timeouts and TOGETHER_API_TIMEOUT are written. */
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)?");

    private final Config node;

    private Settings(Config node) {
        this.node = node;
    }

    /**
     * @param config the root configuration
     * @return settings over the root
     */
    public static Settings of(Config config) {
        return new Settings(config);
    }

    /**
     * @param key a relative key, e.g. {@code lifecycle}
     * @return settings over that child node
     */
    public Settings node(String key) {
        return new Settings(node.get(key));
    }

    /**
     * For a rule that spans features (the timeout chain): the node that holds this one.
     *
     * @return settings over the parent node, e.g. {@code rotor} for {@code rotor.lifecycle}
     */
    public Settings parent() {
        Config.Key key = node.key();
        if (key.isRoot()) {
            throw new IllegalStateException("the root configuration has no parent");
        }
        return new Settings(node.root().get(key.parent().toString()));
    }

    /**
     * @param key relative key
     * @return the raw string, which must be present
     */
    public String string(String key) {
        return raw(key).orElseThrow(() -> invalid(key, null, "is missing (every key has a default in application.yaml)"));
    }

    /**
     * @param key relative key
     * @return the string, empty when absent or blank
     */
    public Optional<String> optionalString(String key) {
        return raw(key).map(String::trim).filter(s -> !s.isEmpty());
    }

    /**
     * @param key relative key
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the whole number
     */
    public long number(String key, long min, long max) {
        String value = string(key).trim();
        try {
            // Helidon's own mapping reads the number; the range and the message are ours
            long n = node.get(key).asLong().get();
            if (n >= min && n <= max) {
                return n;
            }
        } catch (io.helidon.config.ConfigException ignored) {
            // reported below with the accepted range
        }
        throw invalid(key, value, "must be a whole number from " + min + " to " + max);
    }

    /**
     * @param key relative key
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the whole number
     */
    public int integer(String key, int min, int max) {
        return (int) number(key, min, max);
    }

    /**
     * @param key relative key
     * @return a fraction from 0 to 1 (0 usually meaning "off")
     */
    public double fraction(String key) {
        return decimal(key, 0, 1, "must be a fraction from 0 to 1, such as 0.85 (0 = off)");
    }

    /**
     * @param key relative key
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return a decimal number
     */
    public double decimal(String key, double min, double max) {
        return decimal(key, min, max, "must be a number from " + min + " to " + max);
    }

    private double decimal(String key, double min, double max, String problem) {
        String value = string(key).trim();
        try {
            double d = node.get(key).asDouble().get();
            if (d >= min && d <= max) {
                return d;
            }
        } catch (io.helidon.config.ConfigException ignored) {
            // reported below
        }
        throw invalid(key, value, problem);
    }

    /**
     * @param key relative key
     * @return a TCP port when the key is set and not blank
     */
    public Optional<Integer> optionalPort(String key) {
        return optionalString(key).map(v -> {
            try {
                int port = Integer.parseInt(v);
                if (port >= 1 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw invalid(key, v, "must be a port from 1 to 65535, or empty");
        });
    }

    /**
     * @param key relative key
     * @return {@code true} or {@code false}; nothing else is accepted
     */
    public boolean bool(String key) {
        String value = string(key).trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, value, "must be true or false");
        };
    }

    /**
     * @param key relative key
     * @param min shortest accepted duration
     * @param max longest accepted duration
     * @return the duration, written as ISO-8601 ({@code PT15S}) or {@code 15s}, {@code 500ms}, {@code 10m}, {@code 1h},
     *         or bare seconds ({@code 30})
     */
    public Duration duration(String key, Duration min, Duration max) {
        String value = string(key).trim();
        Duration d = parseDuration(value);
        if (d == null) {
            throw invalid(key, value, "must be a duration such as PT15S, 15s, 500ms or 30 (seconds)");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw invalid(key, value, "must be between " + min + " and " + max);
        }
        return d;
    }

    /**
     * @param key     relative key
     * @param type    enum whose constants, lower-cased with dashes, are the accepted words
     * @param <E>     enum type
     * @return the constant
     */
    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String value = string(key).trim();
        for (E constant : type.getEnumConstants()) {
            if (word(constant).equalsIgnoreCase(value)) {
                return constant;
            }
        }
        StringBuilder accepted = new StringBuilder();
        for (E constant : type.getEnumConstants()) {
            accepted.append(accepted.isEmpty() ? "" : ", ").append(word(constant));
        }
        throw invalid(key, value, "must be one of " + accepted);
    }

    /**
     * A failure for a rule that spans keys (e.g. drain timeout shorter than drain period).
     *
     * @param key     relative key the operator should change
     * @param problem what is wrong, as a sentence fragment
     * @return the exception to throw
     */
    public InvalidSettingException invalid(String key, String problem) {
        return invalid(key, raw(key).orElse(null), problem);
    }

    /**
     * Like {@link #invalid(String, String)} for a secret: the message names the key and the
     * variable but never shows the value.
     *
     * @param key     relative key of a password or token
     * @param problem what is wrong, as a sentence fragment
     * @return the exception to throw
     */
    public InvalidSettingException invalidSecret(String key, String problem) {
        return invalid(key, null, problem);
    }

    /**
     * @param constant enum constant
     * @return how it is written in configuration: lower case, dashes for underscores
     */
    public static String word(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * A value with its own syntax (a rate such as {@code 120/PT1M}, a CIDR list).
     *
     * @param key    relative key
     * @param parser reads the trimmed value; throws {@link IllegalArgumentException} whose
     *               message says what is accepted
     * @param <T>    result type
     * @return the parsed value
     */
    public <T> T parsed(String key, java.util.function.Function<String, T> parser) {
        String value = string(key).trim();
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw invalid(key, value, e.getMessage());
        }
    }

    /**
     * @param value ISO-8601 ({@code PT15S}), short ({@code 15s}, {@code 500ms}, {@code 10m}, {@code 1h}) or bare
     *              seconds ({@code 30})
     * @return the duration, or null when the text is neither
     */
    public static Duration parseDuration(String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            Matcher m = SHORT_DURATION.matcher(value.toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                return null;
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
    }

    private Optional<String> raw(String key) {
        Config child = node.get(key);
        return child.exists() && child.isLeaf() ? child.asString().asOptional() : Optional.empty();
    }

    /**
     * For a message about two settings that disagree: the other one named as operators set it.
     *
     * @param key relative key
     * @return its variable and full key, e.g. {@code ROTOR_MAX_REQUESTS (rotor.lifecycle.max-requests)}
     */
    public String name(String key) {
        String fullKey = node.get(key).key().toString();
        return EnvOverrides.variableFor(fullKey)
                .map(variable -> variable + " (" + fullKey + ")")
                .orElse(fullKey);
    }

    private InvalidSettingException invalid(String key, String value, String problem) {
        String shown = value == null ? "" : " = \"" + value + "\"";
        return new InvalidSettingException(node.get(key).key().toString(),
                                           "invalid configuration: " + name(key) + shown + ": " + problem);
    }
}
