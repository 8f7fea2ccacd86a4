package dev.rotor.logging;

import java.util.logging.Level;

import dev.rotor.config.Settings;

/**
 * The logging settings of a replica.
 *
 * @param level     root level ({@code LOG_LEVEL})
 * @param format    line format of the root handlers ({@code ROTOR_LOG_FORMAT})
 * @param accessLog whether each public request writes one line ({@code ROTOR_ACCESS_LOG})
 * @param accessLogQueue access lines that may wait for the log writer before requests write
 *                       their own ({@code ROTOR_ACCESS_LOG_QUEUE})
 */
public record LoggingConfig(Level level, LogFormat format, boolean accessLog, int accessLogQueue) {
    /**
     * @param rotor the {@code rotor} node
     * @return the validated settings
     */
    public static LoggingConfig from(Settings rotor) {
        return new LoggingConfig(LogLevels.parse(rotor), rotor.choice("log-format", LogFormat.class),
                                 rotor.bool("access-log"), rotor.integer("access-log-queue", 1, 1_000_000));
    }
}
