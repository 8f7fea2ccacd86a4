package dev.rotor.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.ExitMode;
import dev.rotor.lifecycle.LifecycleConfig;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SettingsTest {
    private static LifecycleConfig lifecycle(Map<String, String> env) {
        return LifecycleConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("lifecycle"));
    }

    private static DepartureConfig departure(Map<String, String> env) {
        Settings rotor = Settings.of(ConfigLoader.load(env, Map.of())).node("rotor");
        return DepartureConfig.from(rotor.node("lifecycle"), rotor.node("kubernetes"));
    }

    @Test
    void defaultsComeFromApplicationYaml() {
        LifecycleConfig c = lifecycle(Map.of());
        assertThat(c.maxRequests(), is(800L));
        assertThat(c.maxRequestsJitter(), is(200L));
        DepartureConfig d = departure(Map.of());
        assertThat(d.mode(), is(ExitMode.LIVENESS));
        assertThat(d.exitCode(), is(0));
    }

    @Test
    void environmentOverridesTheFile() {
        Map<String, String> env = Map.of("ROTOR_MAX_REQUESTS", "30",
                                         "ROTOR_MAX_REQUESTS_JITTER", "0",
                                         "ROTOR_DRAIN_PERIOD", "PT1S",
                                         "ROTOR_MIN_LIFETIME", "10m",
                                         "ROTOR_EXIT_MODE", "exit",
                                         "ROTOR_EXIT_CODE", "3");
        LifecycleConfig c = lifecycle(env);
        DepartureConfig d = departure(env);
        assertThat(c.maxRequests(), is(30L));
        assertThat(c.maxRequestsJitter(), is(0L));
        assertThat(c.drainPeriod(), is(Duration.ofSeconds(1)));
        assertThat(c.minLifetime(), is(Duration.ofMinutes(10)));
        assertThat(d.mode(), is(ExitMode.EXIT));
        assertThat(d.exitCode(), is(3));
    }

    @Test
    void negativeQuotaNamesTheVariableAndValue() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> lifecycle(Map.of("ROTOR_MAX_REQUESTS", "-5")));
        assertThat(e.getMessage(), containsString("ROTOR_MAX_REQUESTS (rotor.lifecycle.max-requests)"));
        assertThat(e.getMessage(), containsString("\"-5\""));
    }

    @Test
    void aJitterLargerThanTheQuotaIsRefusedNamingBothVariables() {
        // the README's five-request example without ROTOR_MAX_REQUESTS_JITTER: 5 ± 200 by default
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> lifecycle(Map.of("ROTOR_MAX_REQUESTS", "5")));
        assertThat(e.getMessage(), containsString("ROTOR_MAX_REQUESTS_JITTER (rotor.lifecycle.max-requests-jitter) = \"200\""));
        assertThat(e.getMessage(), containsString("must not be larger than ROTOR_MAX_REQUESTS (rotor.lifecycle.max-requests) = 5"));
        assertThat(e.getMessage(), containsString("or to 0 for a quota of exactly 5"));
        InvalidSettingException gunicorn = assertThrows(InvalidSettingException.class,
                () -> lifecycle(Map.of("GUNICORN_MAX_REQUESTS", "100", "GUNICORN_MAX_REQUESTS_JITTER", "101")));
        assertThat(gunicorn.getMessage(), containsString("= \"101\": must not be larger than"));
    }

    @Test
    void aJitterUpToTheQuotaIsAcceptedAndAnyJitterWithRotationOff() {
        LifecycleConfig equal = lifecycle(Map.of("ROTOR_MAX_REQUESTS", "5", "ROTOR_MAX_REQUESTS_JITTER", "5"));
        assertThat(equal.maxRequestsJitter(), is(5L));
        LifecycleConfig off = lifecycle(Map.of("ROTOR_MAX_REQUESTS", "0"));
        assertThat("the default jitter is moot without a quota", off.maxRequestsJitter(), is(200L));
    }

    @Test
    void unknownExitModeListsTheAcceptedWords() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> departure(Map.of("ROTOR_EXIT_MODE", "sometimes")));
        assertThat(e.getMessage(), containsString("ROTOR_EXIT_MODE"));
        assertThat(e.getMessage(), containsString("\"sometimes\""));
        assertThat(e.getMessage(), containsString("liveness, exit"));
    }

    @Test
    void badDurationIsRejected() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> lifecycle(Map.of("ROTOR_DRAIN_PERIOD", "soon")));
        assertThat(e.getMessage(), containsString("ROTOR_DRAIN_PERIOD"));
    }

    @Test
    void drainTimeoutShorterThanDrainPeriodIsRejected() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> lifecycle(Map.of("ROTOR_DRAIN_PERIOD", "PT20S",
                                                                        "ROTOR_DRAIN_TIMEOUT", "PT10S")));
        assertThat(e.getMessage(), containsString("ROTOR_DRAIN_TIMEOUT"));
    }

    @Test
    void acceptsShortDurationForms() {
        assertThat(Settings.parseDuration("500ms"), is(Duration.ofMillis(500)));
        assertThat(Settings.parseDuration("15s"), is(Duration.ofSeconds(15)));
        assertThat(Settings.parseDuration("PT15S"), is(Duration.ofSeconds(15)));
        assertThat(Settings.parseDuration("fifteen"), is((Duration) null));
    }

    private static Config applicationYaml() {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.file(Path.of("application.yaml")))
                .build();
    }

    @Test
    void bareSecondsAreADuration() {
        assertThat(Settings.parseDuration("30"), is(Duration.ofSeconds(30)));
        assertThat(Settings.parseDuration("0"), is(Duration.ZERO));
        LifecycleConfig c = lifecycle(Map.of("ROTOR_DRAIN_PERIOD", "5", "ROTOR_DRAIN_TIMEOUT", "70"));
        assertThat(c.drainPeriod(), is(Duration.ofSeconds(5)));
        assertThat(c.drainTimeout(), is(Duration.ofSeconds(70)));
    }

    @Test
    void everyDurationDefaultAlsoParsesWrittenAsBareSeconds() {
        // every duration setting reads through parseDuration: a whole-second default written
        // the gunicorn way must mean the same
        Config file = applicationYaml();
        int seen = 0;
        for (String key : EnvOverrides.KEYS.values()) {
            String text = file.get(key).asString().orElse("");
            Duration d = text.startsWith("PT") ? Settings.parseDuration(text) : null;
            if (d != null && d.toMillis() % 1000 == 0) {
                assertThat(key, Settings.parseDuration(String.valueOf(d.toSeconds())), is(d));
                seen++;
            }
        }
        assertThat("whole-second duration defaults found", seen > 5, is(true));
    }

    @Test
    void everyDocumentedVariableSetsAKeyThatApplicationYamlDefines() {
        Config file = applicationYaml();
        EnvOverrides.KEYS.forEach((variable, key) ->
                assertThat(variable + " -> " + key + " must exist in application.yaml", file.get(key).exists(), is(true)));
    }

    @Test
    void everyDocumentedVariableIsNamedInApplicationYaml() throws Exception {
        // docs/configuration.md: ConfigurationReferenceTest, for every variable read anywhere
        String yaml = Files.readString(Path.of("application.yaml"));
        for (String variable : EnvOverrides.KEYS.keySet()) {
            assertThat(variable + " documented in application.yaml", yaml.contains(variable + ":"), is(true));
        }
    }
}
