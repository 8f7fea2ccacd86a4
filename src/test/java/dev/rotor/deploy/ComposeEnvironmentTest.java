package dev.rotor.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.EnvOverrides;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;
import dev.rotor.config.TimeoutChain;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.wire.WireConfig;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the replicas and HAProxy receive from {@code docker-compose.yml} with a user's
 * environment, rendered by compose itself ({@code docker-compose config}: no Docker daemon),
 * and the timeout chain those values make: held by the defaults, held when a user raises it in
 * one place, refused at startup when a user raises one link alone.
 */
class ComposeEnvironmentTest {
    /** The issue's user: gunicorn's names for the quota and the request timeout, a drain of 50 s, four workers. */
    private static final Map<String, String> GUNICORN_USER = Map.of("GUNICORN_MAX_REQUESTS", "500", "GUNICORN_TIMEOUT", "120",
                                                                    "ROTOR_DRAIN_TIMEOUT", "PT50S", "WORKERS", "4");

    /** What compose hands each service: its environment (null = not passed) and its stop grace. */
    record Rendered(Map<String, String> app, Map<String, String> haproxy, Duration stopGrace) {
    }

    /**
     * @param user the shell's environment (nothing else: no .env, none of this JVM's variables)
     * @return what compose gives the services
     */
    @SuppressWarnings("unchecked")
    static Rendered render(Map<String, String> user) {
        Tools.assumeOnPath("docker-compose", "docker-compose config renders docker-compose.yml with a user's environment; "
                + "apt-get install docker-compose");
        Path emptyEnvFile;
        try {
            emptyEnvFile = Files.createTempFile("rotor-env", ".env");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        try {
            Map<String, String> env = new HashMap<>(user);
            env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("HOME", System.getProperty("java.io.tmpdir"));
            List<String> command = List.of("docker-compose", "-f", "docker-compose.yml", "--env-file", emptyEnvFile.toString(), "config");
            String out = Tools.run(Manifests.ROOT, command, env).assertSucceeded(command).output();
            // compose's own warnings share the stream: the document starts at its first key
            String document = out.substring(out.indexOf("services:"));
            Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>)
                    ((Map<String, Object>) new Yaml().load(document)).get("services");
            return new Rendered(strings(services.get("app").get("environment")), strings(services.get("haproxy").get("environment")),
                                parseGrace(String.valueOf(services.get("app").get("stop_grace_period"))));
        } finally {
            try {
                Files.deleteIfExists(emptyEnvFile);
            } catch (IOException ignored) {
                // a temp file left behind
            }
        }
    }

    @Test
    void aGunicornUsersSettingsReachTheReplicas() {
        Rendered r = render(GUNICORN_USER);
        assertThat(r.app().get("GUNICORN_MAX_REQUESTS"), is("500"));
        assertThat(r.app().get("GUNICORN_TIMEOUT"), is("120"));
        assertThat(r.app().get("ROTOR_DRAIN_TIMEOUT"), is("PT50S"));
        assertThat(r.app().get("WORKERS"), is("4"));
        // not passed at all, so that gunicorn's name is the one the replica reads
        assertThat(r.app(), not(hasKey("ROTOR_MAX_REQUESTS")));
        assertThat(r.app(), not(hasKey("ROTOR_REQUEST_TIMEOUT")));
        Settings rotor = Settings.of(ConfigLoader.load(r.app(), Map.of())).node("rotor");
        assertThat(EnvOverrides.from(r.app()).get("rotor.lifecycle.max-requests"), is("500"));
        assertThat(WireConfig.from(rotor.node("wire"), 50).requestTimeout(), is(Duration.ofSeconds(120)));
        assertThat("one name each: no warning about both", EnvOverrides.notices(Map.of("GUNICORN_MAX_REQUESTS", "500")).isEmpty(), is(true));
    }

    @Test
    void aUserWhoRaisesOneLinkOfTheChainIsRefusedAtStartupWithEveryLinkNamed() {
        Rendered r = render(GUNICORN_USER);
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> LifecycleConfig.from(Settings.of(ConfigLoader.load(r.app(), Map.of())).node("rotor").node("lifecycle")));
        assertThat(e.getMessage(), containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT50S "
                + "must be longer than ROTOR_QUEUE_TIMEOUT (rotor.admission.queue-timeout) + ROTOR_REQUEST_TIMEOUT or GUNICORN_TIMEOUT "
                + "(rotor.wire.request-timeout) = PT1S + PT2M"));
        assertThat("HAProxy's default would answer first", e.getMessage(),
                   containsString("ROTOR_FRONT_TIMEOUT (rotor.chain.front-timeout) = PT1M10S must be longer than"));
    }

    @Test
    void theDefaultsKeepTheChainAndHaproxyAndComposeGetTheBoundsTheReplicasCheck() {
        Rendered r = render(Map.of());
        TimeoutChain chain = TimeoutChain.from(Settings.of(ConfigLoader.load(r.app(), Map.of())).node("rotor"));
        assertThat("with a request admitted as the drain period ends", chain.drainTimeout(),
                   greaterThan(chain.drainPeriod().plus(chain.allowed())));
        assertThat(chain.drainTimeout(), greaterThan(chain.shutdownDrainPeriod().plus(chain.allowed())));
        assertThat("HAProxy's timeout server is the one the replicas check", r.haproxy().get("ROTOR_FRONT_TIMEOUT"),
                   is(r.app().get("ROTOR_FRONT_TIMEOUT")));
        assertThat(chain.frontTimeout().orElseThrow(), greaterThan(chain.allowed()));
        assertThat("compose's grace is the one the replicas check", chain.stopGracePeriod().orElseThrow(), is(r.stopGrace()));
        assertThat(r.stopGrace(), greaterThan(chain.drainTimeout()));
    }

    @Test
    void raisingTheWholeChainInOnePlaceReachesHaproxyComposeAndTheReplicas() {
        Rendered r = render(Map.of("ROTOR_REQUEST_TIMEOUT", "PT120S", "ROTOR_DRAIN_TIMEOUT", "PT135S",
                                   "ROTOR_FRONT_TIMEOUT", "130s", "ROTOR_STOP_GRACE_PERIOD", "150s"));
        assertThat(r.haproxy().get("ROTOR_FRONT_TIMEOUT"), is("130s"));
        assertThat(r.stopGrace(), is(Duration.ofSeconds(150)));
        TimeoutChain chain = TimeoutChain.from(Settings.of(ConfigLoader.load(r.app(), Map.of())).node("rotor"));
        assertThat(chain.requestTimeout(), is(Duration.ofSeconds(120)));
        assertThat(chain.frontTimeout().orElseThrow(), is(Duration.ofSeconds(130)));
        AppSettings.of(r.app());
    }

    /** HAProxy reads its timeouts from the variable compose passes it (a bad value fails its check). */
    @Test
    void haproxyTakesItsServerTimeoutFromTheVariableComposePasses() throws IOException {
        String cfg = Files.readString(Manifests.ROOT.resolve("deploy/haproxy.cfg"));
        String fallback = ComposeFrontTest.appEnvironment().get("ROTOR_FRONT_TIMEOUT").toString()
                .replace("${ROTOR_FRONT_TIMEOUT:-", "").replace("}", "");
        assertThat("without compose, the same default", cfg, containsString("timeout server \"${ROTOR_FRONT_TIMEOUT-" + fallback + "}\""));
        assertThat(cfg, containsString("timeout client \"${ROTOR_FRONT_TIMEOUT-" + fallback + "}\""));
        Tools.assumeOnPath("haproxy", "haproxy -c checks deploy/haproxy.cfg; apt-get install haproxy");
        List<String> command = List.of("haproxy", "-c", "-f", "deploy/haproxy.cfg");
        Map<String, String> env = new HashMap<>(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
        env.put("ROTOR_FRONT_TIMEOUT", "130s");
        assertThat(Tools.run(Manifests.ROOT, command, env).output(), containsString("Configuration file is valid"));
        env.put("ROTOR_FRONT_TIMEOUT", "PT130S");
        Tools.Result iso = Tools.run(Manifests.ROOT, command, env);
        assertThat("HAProxy reads the variable, and refuses what the replicas refuse too", iso.exit(), is(not(0)));
        assertThat(iso.output(), containsString("in 'timeout "));
    }

    static Map<String, String> strings(Object environment) {
        Map<String, String> out = new HashMap<>();
        ((Map<?, ?>) environment).forEach((k, v) -> {
            if (v != null) {
                out.put(String.valueOf(k), String.valueOf(v));
            }
        });
        return out;
    }

    /** Compose's duration as the replicas read it (compose writes back what the file says, e.g. 90s). */
    private static Duration parseGrace(String value) {
        Duration d = Settings.parseDuration(value);
        assertThat("stop_grace_period " + value, d != null, is(true));
        return d;
    }
}
