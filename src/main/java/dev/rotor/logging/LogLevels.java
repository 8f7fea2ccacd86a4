package dev.rotor.logging;

import java.util.Locale;
import java.util.logging.Level;

import dev.rotor.config.Settings;

/**
 * JUL levels from the {@code LOG_LEVEL} words operators know: Rotor's own ({@code TRACE},
 * {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR}) and gunicorn's ({@code debug},
 * {@code info}, {@code warning}, {@code error}, {@code critical}), in any case.
 */
final class LogLevels {
    private LogLevels() {
    }

    /**
     * @param rotor the {@code rotor} node
     * @return the level {@code log-level} names
     */
    static Level parse(Settings rotor) {
        String word = rotor.string("log-level").trim().toUpperCase(Locale.ROOT);
        return switch (word) {
            case "TRACE" -> Level.FINEST;
            case "DEBUG" -> Level.FINE;
            case "INFO" -> Level.INFO;
            case "WARN", "WARNING" -> Level.WARNING;
            // gunicorn's "critical" is above error; JUL has nothing above SEVERE
            case "ERROR", "CRITICAL" -> Level.SEVERE;
            default -> throw rotor.invalid("log-level", "must be one of TRACE, DEBUG, INFO, WARN, ERROR "
                    + "(or gunicorn's debug, info, warning, error, critical)");
        };
    }
}
