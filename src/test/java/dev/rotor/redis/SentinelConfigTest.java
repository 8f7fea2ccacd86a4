package dev.rotor.redis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.rotor.Replica;
import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Sentinel settings as an operator writes them (environment variables): what is accepted,
 * and what a replica refuses to start with, naming the variable.
 */
class SentinelConfigTest {
    private static RedisConfig read(Map<String, String> env) {
        return RedisConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("redis"));
    }

    /** Starting a replica: the refusal comes before anything listens. */
    private static InvalidSettingException refusedAtStart(Map<String, String> env) {
        Map<String, String> overrides = new HashMap<>(Map.of("server.port", "0", "server.host", "127.0.0.1"));
        return assertThrows(InvalidSettingException.class,
                            () -> Replica.start(ConfigLoader.load(env, overrides), new CompletableFuture<Integer>()::complete));
    }

    @Test
    void sentinelsAndAMasterNameAreReadInOrderWithPasswordsKeptOutOfLogs() {
        RedisConfig c = read(Map.of("REDIS_SENTINELS", " s0:26379, 10.0.0.7:26380,[::1]:26381 ",
                                    "REDIS_SENTINEL_MASTER", "mymaster",
                                    "REDIS_SENTINEL_PASSWORD", "watch-secret",
                                    "REDIS_PASSWORD", "data-secret"));
        SentinelConfig s = c.sentinel().orElseThrow();
        assertThat(c.enabled(), is(true));
        assertThat(c.url().isPresent(), is(false));
        assertThat(s.addresses(), is(List.of(new SentinelConfig.Address("s0", 26379),
                                             new SentinelConfig.Address("10.0.0.7", 26380),
                                             new SentinelConfig.Address("::1", 26381))));
        assertThat(s.master(), is("mymaster"));
        assertThat(s.sentinelPassword().orElseThrow(), is("watch-secret"));
        assertThat(s.password().orElseThrow(), is("data-secret"));
        assertThat(c.safeUrl(), containsString("[s0:26379, 10.0.0.7:26380, [::1]:26381]"));
        assertThat(c.safeUrl(), not(containsString("secret")));
    }

    @Test
    void withoutSentinelsTheUrlWorksAsBefore() {
        RedisConfig c = read(Map.of("REDIS_URL", "redis://:pw@cache:6379/2"));
        assertThat(c.sentinel().isPresent(), is(false));
        assertThat(c.safeUrl(), is("redis://cache:6379/2"));
        assertThat(read(Map.of()).enabled(), is(false));
    }

    @Test
    void bothUrlAndSentinelsAreRefusedNamingBoth() {
        InvalidSettingException e = refusedAtStart(Map.of("REDIS_URL", "redis://cache:6379",
                                                          "REDIS_SENTINELS", "s0:26379",
                                                          "REDIS_SENTINEL_MASTER", "mymaster"));
        assertThat(e.getMessage(), containsString("REDIS_SENTINELS (rotor.redis.sentinels)"));
        assertThat(e.getMessage(), containsString("REDIS_URL"));
    }

    @Test
    void sentinelsWithoutAMasterNameAreRefused() {
        InvalidSettingException e = refusedAtStart(Map.of("REDIS_SENTINELS", "s0:26379"));
        assertThat(e.getMessage(), containsString("REDIS_SENTINEL_MASTER (rotor.redis.sentinel-master)"));
        assertThat(e.key(), is("rotor.redis.sentinel-master"));
    }

    @Test
    void aMalformedSentinelAddressIsRefusedNamingTheEntry() {
        for (String bad : List.of("s0", "s0:", ":26379", "s0:0", "s0:70000", "s0:port", "s0:26379,,s1:26379",
                                  "::1:26379", "s 0:26379")) {
            InvalidSettingException e = refusedAtStart(Map.of("REDIS_SENTINELS", bad, "REDIS_SENTINEL_MASTER", "m"));
            assertThat(bad, e.getMessage(), containsString("REDIS_SENTINELS (rotor.redis.sentinels) = \"" + bad + "\""));
            assertThat(bad, e.getMessage(), containsString("host:port"));
        }
    }

    @Test
    void sentinelOnlySettingsWithoutSentinelsAreRefusedWithoutShowingTheSecret() {
        assertThat(refusedAtStart(Map.of("REDIS_SENTINEL_MASTER", "m")).getMessage(),
                   containsString("REDIS_SENTINEL_MASTER"));
        assertThat(refusedAtStart(Map.of("REDIS_SENTINEL_PASSWORD", "x")).getMessage(),
                   containsString("REDIS_SENTINEL_PASSWORD"));
    }

    @Test
    void aUserAndPasswordGoIntoAUrlWithoutCredentialsAndNeverIntoTheLog() {
        RedisConfig config = RedisConfig.from(Settings.of(ConfigLoader.load(
                Map.of("REDIS_URL", "redis://cache:6379/2", "REDIS_USER", "rotor", "REDIS_PASSWORD", "p@ss:w/rd"), Map.of()))
                                                      .node("rotor").node("redis"));
        assertThat(config.url().orElseThrow().getUserInfo(), is("rotor:p@ss:w/rd"));
        assertThat(config.url().orElseThrow().getHost(), is("cache"));
        assertThat(config.url().orElseThrow().getPath(), is("/2"));
        assertThat(config.safeUrl(), is("redis://cache:6379/2"));
        RedisConfig written = RedisConfig.from(Settings.of(ConfigLoader.load(
                Map.of("REDIS_URL", "redis://other:secret@cache:6379", "REDIS_USER", "rotor", "REDIS_PASSWORD", "x"), Map.of()))
                                                       .node("rotor").node("redis"));
        assertThat("credentials written into the URL win", written.url().orElseThrow().getUserInfo(), is("other:secret"));
    }

    @Test
    void aUserWithoutAPasswordIsRefused() {
        InvalidSettingException e = refusedAtStart(Map.of("REDIS_URL", "redis://cache:6379", "REDIS_USER", "rotor"));
        assertThat(e.getMessage(), containsString("REDIS_USER (rotor.redis.user)"));
        assertThat(e.getMessage(), containsString("needs REDIS_PASSWORD"));
    }

    @Test
    void aReplicaWhoseSentinelsAreAllAwayStillStartsAndServesLocally() throws Exception {
        int nobody = dev.rotor.support.JarProcess.freePort();
        Map<String, String> overrides = Map.of("server.port", "0", "server.host", "127.0.0.1",
                                               "rotor.redis.sentinels", "127.0.0.1:" + nobody,
                                               "rotor.redis.sentinel-master", "m",
                                               "rotor.admission.rate-limit", "5/PT1M");
        Replica r = Replica.start(ConfigLoader.load(Map.of(), overrides), new CompletableFuture<Integer>()::complete);
        try {
            assertThat(dev.rotor.support.Http.status(r.port(), "/"), is(200));
            assertThat(r.redis().orElseThrow().node().isPresent(), is(false));
        } finally {
            r.close();
        }
    }
}
