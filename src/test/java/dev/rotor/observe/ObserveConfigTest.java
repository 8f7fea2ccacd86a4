package dev.rotor.observe;

import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ObserveConfigTest {
    @Test
    void aShortTokenIsRefusedNamingTheVariableButNeverTheValue() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> load(Map.of("ROTOR_OBSERVE_TOKEN", "hunter2-secret")));
        assertThat(e.getMessage(), containsString("ROTOR_OBSERVE_TOKEN"));
        assertThat(e.getMessage(), containsString("24 to 512"));
        assertThat(e.getMessage(), not(containsString("hunter2")));
    }

    @Test
    void aTokenWithSpacesOrControlCharactersIsRefused() {
        for (String token : new String[] {"0123456789 abcdef0123456789abcdef", "0123456789\tabcdef0123456789abcdef",
                                          "0123456789abcdéf0123456789abcdef"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                     () -> load(Map.of("ROTOR_OBSERVE_TOKEN", token)));
            assertThat(e.getMessage(), containsString("visible ASCII"));
            assertThat(e.getMessage(), not(containsString("0123456789")));
        }
    }

    @Test
    void theSettingsAsLoggedSayWhetherATokenIsSetNeverWhichOne() {
        ObserveConfig config = load(Map.of("ROTOR_OBSERVE_TOKEN", ObserveDoorTest.TOKEN));
        assertThat(config.toString(), not(containsString(ObserveDoorTest.TOKEN)));
        assertThat(config.toString(), containsString("observe-token=(set)"));
        assertThat(load(Map.of()).toString(), containsString("observe-token=(none)"));
    }

    @Test
    void probeBoundsAreValidatedNamingTheirVariables() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> load(Map.of("ROTOR_PROBE_CONCURRENCY", "0")));
        assertThat(e.getMessage(), containsString("ROTOR_PROBE_CONCURRENCY"));
        e = assertThrows(InvalidSettingException.class, () -> load(Map.of("ROTOR_FORWARDED_PROBE_CONCURRENCY", "x")));
        assertThat(e.getMessage(), containsString("ROTOR_FORWARDED_PROBE_CONCURRENCY"));
        assertThat(load(Map.of()).probeConcurrency(), is(8));
        assertThat(load(Map.of()).forwardedProbeConcurrency(), is(2));
    }

    private static ObserveConfig load(Map<String, String> env) {
        return ObserveConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("observe"));
    }
}
