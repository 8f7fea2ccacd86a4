package dev.rotor.logging;

import java.time.ZoneId;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import dev.rotor.config.Settings;

/**
 * Applies {@link LoggingConfig} to the root logger and its handlers: the handlers that
 * {@code logging.properties} installs, which Helidon, Rotor and (through {@code slf4j-jdk14})
 * Jedis and the AWS SDK all write to. Applying again is harmless: the JSON formatter keeps the
 * formatter it replaced and gives it back when the format returns to text.
 */
public final class Logging {
    private Logging() {
    }

    /**
     * Read the logging settings and apply them at once, so that every later line has the
     * configured level and format.
     *
     * @param rotor the {@code rotor} node
     * @return the applied settings
     * @throws dev.rotor.config.InvalidSettingException when a logging setting cannot be used
     */
    public static LoggingConfig configure(Settings rotor) {
        LoggingConfig config = LoggingConfig.from(rotor);
        apply(config);
        return config;
    }

    /**
     * @param config the settings to apply to the root logger and each of its handlers
     */
    public static void apply(LoggingConfig config) {
        Logger root = Logger.getLogger("");
        root.setLevel(config.level());
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(config.level());
            Formatter current = handler.getFormatter();
            if (config.format() == LogFormat.JSON && !(current instanceof JsonLogFormatter)) {
                handler.setFormatter(new JsonLogFormatter(current));
            } else if (config.format() == LogFormat.TEXT && current instanceof JsonLogFormatter json) {
                // a handler that had no formatter of its own gets the JDK's plain one
                handler.setFormatter(json.replaced() == null ? new SimpleFormatter() : json.replaced());
            }
            // the properties' own line, written without String.format (an operator's format stays theirs)
            if (handler.getFormatter() instanceof SimpleFormatter && TextLogFormatter.configured()) {
                handler.setFormatter(new TextLogFormatter(ZoneId.systemDefault()));
            }
        }
    }
}
