package dev.rotor.diagnostics;

import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WarmUpConfigTest {
    private static Settings warmup(Map<String, String> env) {
        return Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("warmup");
    }

    @Test
    void autoIsNoneWhenTheJvmCompilesTheRequestPathEarlyAndThreeHundredOtherwise() {
        WarmUpConfig early = WarmUpConfig.from(warmup(Map.of()), true);
        assertThat(early.requests(), is(0));
        assertThat(early.whyNone(), containsString("auto"));
        assertThat(WarmUpConfig.from(warmup(Map.of()), false).requests(), is(WarmUpConfig.AUTO_REQUESTS));
        assertThat(WarmUpConfig.from(warmup(Map.of("ROTOR_WARMUP_REQUESTS", "AUTO")), true).requests(), is(0));
    }

    @Test
    void aNumberIsTakenAsItIsWhateverTheJit() {
        assertThat(WarmUpConfig.from(warmup(Map.of("ROTOR_WARMUP_REQUESTS", "50")), true).requests(), is(50));
        WarmUpConfig off = WarmUpConfig.from(warmup(Map.of("ROTOR_WARMUP_REQUESTS", "0")), false);
        assertThat(off.requests(), is(0));
        assertThat(off.whyNone(), is("rotor.warmup.requests=0"));
    }

    @Test
    void anythingElseIsRefusedNamingBothForms() {
        for (String bad : new String[] {"lots", "-1", "100001", "3.5"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                     () -> WarmUpConfig.from(warmup(Map.of("ROTOR_WARMUP_REQUESTS", bad)), true));
            assertThat(e.getMessage(), containsString("ROTOR_WARMUP_REQUESTS"));
            assertThat(e.getMessage(), containsString("must be auto or a whole number from 0 to 100000"));
        }
    }
}
