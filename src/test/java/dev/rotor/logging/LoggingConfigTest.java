package dev.rotor.logging;

import java.util.Map;
import java.util.logging.Level;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LoggingConfigTest {
    private static LoggingConfig logging(Map<String, String> env) {
        return LoggingConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor"));
    }

    @Test
    void defaultsAreInfoAndText() {
        LoggingConfig c = logging(Map.of());
        assertThat(c.level(), is(Level.INFO));
        assertThat(c.format(), is(LogFormat.TEXT));
    }

    @Test
    void gunicornLevelWordsAreAccepted() {
        assertThat(logging(Map.of("LOG_LEVEL", "debug")).level(), is(Level.FINE));
        assertThat(logging(Map.of("LOG_LEVEL", "info")).level(), is(Level.INFO));
        assertThat(logging(Map.of("LOG_LEVEL", "warning")).level(), is(Level.WARNING));
        assertThat(logging(Map.of("LOG_LEVEL", "error")).level(), is(Level.SEVERE));
        assertThat(logging(Map.of("LOG_LEVEL", "critical")).level(), is(Level.SEVERE));
        assertThat(logging(Map.of("LOG_LEVEL", "CRITICAL")).level(), is(Level.SEVERE));
    }

    @Test
    void unknownLevelListsRotorAndGunicornWords() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> logging(Map.of("LOG_LEVEL", "loud")));
        assertThat(e.getMessage(), containsString("LOG_LEVEL (rotor.log-level) = \"loud\""));
        assertThat(e.getMessage(), containsString("critical"));
    }

    @Test
    void logFormatIsTextOrJson() {
        assertThat(logging(Map.of("ROTOR_LOG_FORMAT", "json")).format(), is(LogFormat.JSON));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> logging(Map.of("ROTOR_LOG_FORMAT", "logfmt")));
        assertThat(e.getMessage(), containsString("ROTOR_LOG_FORMAT (rotor.log-format) = \"logfmt\": must be one of text, json"));
    }
}
