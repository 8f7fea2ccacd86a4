package dev.rotor.logging;

/** How each log line is written ({@code ROTOR_LOG_FORMAT}). */
public enum LogFormat {
    /** One readable line, the format in {@code logging.properties}. */
    TEXT,
    /** One JSON object per line: timestamp, level, logger, message, thread, exception. */
    JSON
}
