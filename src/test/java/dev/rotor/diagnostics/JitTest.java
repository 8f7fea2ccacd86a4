package dev.rotor.diagnostics;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

class JitTest {
    @Test
    void tiersOneToThreeAreC1Only() {
        assertThat(Jit.of("1", "true"), is(Jit.QUICK));
        assertThat(Jit.of("3", "true"), is(Jit.QUICK));
        assertThat(Jit.of("4", "true"), is(Jit.FULL));
        // tiered compilation off: the server compiler alone
        assertThat(Jit.of("1", "false"), is(Jit.FULL));
        assertThat(Jit.of("", "true"), is(Jit.UNKNOWN));
    }

    @Test
    void theQuickJitWithoutAQuotaOrWithALongOneIsAMismatch() {
        assertThat(Jit.QUICK.mismatch(0).orElseThrow(), containsString("ROTOR_JIT=full"));
        assertThat(Jit.QUICK.mismatch(Jit.LONG_LIFE + 1).isPresent(), is(true));
        assertThat(Jit.QUICK.mismatch(800).isPresent(), is(false));
        assertThat(Jit.QUICK.mismatch(Jit.LONG_LIFE).isPresent(), is(false));
        assertThat(Jit.FULL.mismatch(0).isPresent(), is(false));
        assertThat(Jit.FULL.mismatch(800).isPresent(), is(false));
    }

    @Test
    void earlyCompilationNeedsTheFlagAndACache() {
        assertThat(Jit.compilesEarly("true", "/app/rotor.aot"), is(true));
        assertThat("no cache: no training data to compile from", Jit.compilesEarly("true", ""), is(false));
        assertThat(Jit.compilesEarly("false", "/app/rotor.aot"), is(false));
        // the tests' JVM runs without a cache (RunScriptIT and the smoke test see the true case)
        assertThat(Jit.compilesEarly(), is(false));
    }

    @Test
    void thisJvmSaysWhichJitItRuns() {
        assertThat(Jit.current(), is(not(Jit.UNKNOWN)));
    }
}
