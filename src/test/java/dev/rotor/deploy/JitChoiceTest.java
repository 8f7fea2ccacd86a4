package dev.rotor.deploy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.rotor.diagnostics.Jit;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * deploy/image/jit.sh, which bin/run and the image's entrypoint both source: run by bash with
 * a deployment's environment, its choice agrees with the quota the replica itself reads from
 * that environment (gunicorn's alias, the application.yaml default, no quota) and with the
 * replica's own check ({@link Jit#mismatch}); with an AOT cache, only the quick JIT compiles early.
 */
class JitChoiceTest {
    private static final String QUICK = "-XX:TieredStopAtLevel=1";

    @Test
    void autoIsQuickExactlyForAQuotaTheReplicaDoesNotCallALongLife() {
        List<Map<String, String>> environments = List.of(
                Map.of(),
                Map.of("ROTOR_MAX_REQUESTS", "800"),
                Map.of("ROTOR_MAX_REQUESTS", "0"),
                Map.of("ROTOR_MAX_REQUESTS", String.valueOf(Jit.LONG_LIFE)),
                Map.of("ROTOR_MAX_REQUESTS", String.valueOf(Jit.LONG_LIFE + 1)),
                Map.of("GUNICORN_MAX_REQUESTS", "0"),
                Map.of("GUNICORN_MAX_REQUESTS", "1000"),
                Map.of("GUNICORN_MAX_REQUESTS", "0", "ROTOR_MAX_REQUESTS", "500"),
                Map.of("GUNICORN_MAX_REQUESTS", "500", "ROTOR_MAX_REQUESTS", "0"));
        for (Map<String, String> env : environments) {
            long quota = AppSettings.of(env).lifecycle().maxRequests();
            boolean quick = quota > 0 && quota <= Jit.LONG_LIFE;
            assertThat(env + " (quota " + quota + ")", choice(env, "auto"), is(quick ? QUICK : ""));
            assertThat(env + ": the replica would warn about the quick JIT exactly where auto does not pick it",
                       Jit.QUICK.mismatch(quota).isPresent(), is(!quick));
        }
    }

    @Test
    void quickAndFullAreTakenAsSaid() {
        assertThat(choice(Map.of("ROTOR_MAX_REQUESTS", "0"), "quick"), is(QUICK));
        assertThat(choice(Map.of(), "full"), is(""));
        assertThat(choice(Map.of(), null), is(QUICK));
    }

    @Test
    void anUnknownChoiceStopsTheLauncherWithItsName() {
        Tools.Result result = run(Map.of("ROTOR_JIT", "fast"));
        assertThat(result.exit(), is(2));
        assertThat(result.output(), containsString("ROTOR_JIT must be auto, quick or full, not 'fast'"));
    }

    @Test
    void withACacheOnlyTheQuickJitCompilesEarly() {
        String early = "-XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly";
        assertThat(cacheFlags(choice(Map.of(), "quick")), is(early));
        assertThat(cacheFlags(choice(Map.of("ROTOR_MAX_REQUESTS", "800"), "auto")), is(early));
        assertThat("full: early C2 compilations slow the start", cacheFlags(choice(Map.of(), "full")), is(""));
        assertThat(cacheFlags(choice(Map.of("ROTOR_MAX_REQUESTS", "0"), "auto")), is(""));
    }

    /** @return what rotor_jit_cache_flags prints for the flags rotor_jit_flags printed */
    private static String cacheFlags(String jitFlags) {
        Tools.Result result = Tools.run(Manifests.ROOT, List.of("env", "-i", "PATH=/usr/bin:/bin", "bash", "-c",
                                                                ". deploy/image/jit.sh && rotor_jit_cache_flags \"$0\"", jitFlags));
        assertThat(result.output(), result.exit(), is(0));
        return result.output().strip();
    }

    private static String choice(Map<String, String> env, String jit) {
        Map<String, String> all = new HashMap<>(env);
        if (jit != null) {
            all.put("ROTOR_JIT", jit);
        }
        Tools.Result result = run(all);
        assertThat(result.output(), result.exit(), is(0));
        return result.output().strip();
    }

    private static Tools.Result run(Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=/usr/bin:/bin"));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(List.of("bash", "-c", ". deploy/image/jit.sh && rotor_jit_flags"));
        return Tools.run(Manifests.ROOT, command);
    }
}
