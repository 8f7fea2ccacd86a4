package dev.rotor.config;

/**
 * A configuration value that cannot be used. The message names the key, the environment
 * variable that overrides it (if any), the offending value and what would be accepted,
 * so that a failed start says exactly what to fix.
 */
public final class InvalidSettingException extends RuntimeException {
    private final String key;

    InvalidSettingException(String key, String message) {
        super(message, null, false, false);
        this.key = key;
    }

    /**
     * @return the full configuration key, e.g. {@code rotor.lifecycle.max-requests}
     */
    public String key() {
        return key;
    }
}
