package dev.rotor.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.wire.WireConfig;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

/** The original deployment's gunicorn variables, as aliases and as startup warnings. */
class EnvOverridesTest {
    private static LifecycleConfig lifecycle(Map<String, String> env) {
        return LifecycleConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("lifecycle"));
    }

    @Test
    void gunicornRotationVariablesSetTheQuotaAndTheDrainTimeout() {
        LifecycleConfig c = lifecycle(Map.of("GUNICORN_MAX_REQUESTS", "5",
                                             "GUNICORN_MAX_REQUESTS_JITTER", "0",
                                             "GUNICORN_TIMEOUT", "30",
                                             "GUNICORN_GRACEFUL_TIMEOUT", "45"));
        assertThat(c.maxRequests(), is(5L));
        assertThat(c.maxRequestsJitter(), is(0L));
        assertThat(c.drainTimeout(), is(java.time.Duration.ofSeconds(45)));
        assertThat(EnvOverrides.notices(Map.of("GUNICORN_MAX_REQUESTS", "5")), is(empty()));
    }

    @Test
    void theRotorNameWinsAndOneWarningNamesBoth() {
        Map<String, String> env = Map.of("GUNICORN_MAX_REQUESTS", "5", "ROTOR_MAX_REQUESTS", "30");
        assertThat(lifecycle(with(env, "ROTOR_MAX_REQUESTS_JITTER", "0")).maxRequests(), is(30L));
        List<String> notices = EnvOverrides.notices(env);
        assertThat(notices, hasSize(1));
        assertThat(notices.get(0), containsString("GUNICORN_MAX_REQUESTS=5 and ROTOR_MAX_REQUESTS=30 are both set: "
                                                          + "ROTOR_MAX_REQUESTS wins"));
    }

    private static Map<String, String> with(Map<String, String> env, String variable, String value) {
        Map<String, String> more = new java.util.HashMap<>(env);
        more.put(variable, value);
        return more;
    }

    @Test
    void workersIsExplainedOnceEvenWhenBothNamesAreSet() {
        List<String> notices = EnvOverrides.notices(Map.of("WORKERS", "4", "GUNICORN_WORKERS", "2"));
        assertThat(notices, hasSize(1));
        assertThat(notices.get(0), containsString("WORKERS=4 and GUNICORN_WORKERS=2"));
        assertThat(notices.get(0), containsString("virtual threads"));
        assertThat(notices.get(0), containsString("read by the image's entrypoint and by bin/run"));
        assertThat(notices.get(0), containsString("this JVM was started on its own"));
        assertThat(EnvOverrides.notices(Map.of("GUNICORN_WORKERS", "3")).get(0), containsString("GUNICORN_WORKERS=3 is read"));
    }

    @Test
    void aSupervisedWorkerHearsNothingAboutWorkers() {
        assertThat(EnvOverrides.notices(Map.of("WORKERS", "2", "ROTOR_WORKER_DIR", "/tmp/rotor-workers.x")), hasSize(0));
    }

    @Test
    void everyAliasStandsForADocumentedVariable() {
        EnvOverrides.ALIASES.forEach((alias, variable) -> assertThat(alias + " -> " + variable,
                EnvOverrides.KEYS.containsKey(variable), is(true)));
    }

    @Test
    void gunicornTimeoutSetsTheRequestTimeoutInBareSeconds() {
        WireConfig wire = WireConfig.from(Settings.of(ConfigLoader.load(Map.of("GUNICORN_TIMEOUT", "30"), Map.of()))
                                                  .node("rotor").node("wire"), 50);
        assertThat(wire.requestTimeout(), is(java.time.Duration.ofSeconds(30)));
        assertThat(EnvOverrides.notices(Map.of("GUNICORN_TIMEOUT", "30")), is(empty()));
    }

    /** The Python stack's variables that Rotor reads under the same name, with the same meaning. */
    private static final List<String> KEPT_FROM_THE_PYTHON_STACK = List.of("PORT", "TOGETHER_API_TIMEOUT", "LOG_LEVEL");

    @Test
    void everyAliasAndEveryVariableKeptFromThePythonStackIsInTheGunicornTable() throws Exception {
        // the table lives in docs/gunicorn.md; the README's short section links to it
        String section = Files.readString(Path.of("docs/gunicorn.md"));
        for (String alias : EnvOverrides.ALIASES.keySet()) {
            assertThat(alias + " in the gunicorn table", section.contains("`" + alias + "`"), is(true));
        }
        for (String variable : EnvOverrides.WORKER_VARIABLES) {
            assertThat(variable + " in the gunicorn table", section.contains("`" + variable + "`"), is(true));
        }
        for (String variable : KEPT_FROM_THE_PYTHON_STACK) {
            assertThat(variable + " is still read", EnvOverrides.KEYS.containsKey(variable), is(true));
            assertThat(variable + " in the gunicorn table", section.contains("| `" + variable + "`"), is(true));
        }
        String readme = Files.readString(Path.of("README.md"));
        assertThat("the README links the table", readme.contains("(docs/gunicorn.md)"), is(true));
    }
}
