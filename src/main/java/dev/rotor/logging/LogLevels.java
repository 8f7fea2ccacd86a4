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
     * @param level a JUL level
     * @return the word log lines show for it, one of those {@code LOG_LEVEL} takes: {@code ERROR},
     *         {@code WARN}, {@code INFO}, {@code DEBUG} or {@code TRACE} (JUL's own names, such as
     *         {@code WARNING} and {@code SEVERE}, are not what the docs or operators use)
     */
    static String word(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        return v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
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
