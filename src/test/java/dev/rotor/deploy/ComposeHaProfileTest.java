package dev.rotor.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.SentinelConfig;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The compose file's {@code ha} profile: the default stack keeps its one Redis; with the four
 * lines that {@code .env.example} shows, the replicas ask exactly the profile's three
 * Sentinels for the primary they monitor, and both Redis servers keep an append-only file
 * fsynced every second on a volume.
 */
class ComposeHaProfileTest {
    private static final Pattern COMMENTED = Pattern.compile("^# ([A-Z_]+)=(.*)$");

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() throws IOException {
        return (Map<String, Map<String, Object>>) Manifests.yamlFile("docker-compose.yml").get("services");
    }

    /** The commented HA block of .env.example, as a user uncommenting it would set it. */
    private static Map<String, String> haBlock() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Manifests.ROOT.resolve(".env.example"))) {
            Matcher m = COMMENTED.matcher(line.strip());
            if (m.matches()) {
                out.put(m.group(1), m.group(2));
            }
        }
        return out;
    }

    @Test
    void theDefaultStackKeepsItsOneRedisInMemory() throws IOException {
        RedisConfig redis = AppSettings.of(ComposeFrontTest.resolve(ComposeFrontTest.appEnvironment(), Map.of())).redis();
        assertThat(redis.safeUrl(), is("redis://redis:6379"));
        assertThat("signed in as the ACL user", redis.url().orElseThrow().getUserInfo(), startsWith("rotor:"));
        assertThat(redis.sentinel().isPresent(), is(false));
        Map<String, Map<String, Object>> services = services();
        List<String> always = services.entrySet().stream().filter(e -> !e.getValue().containsKey("profiles"))
                .map(Map.Entry::getKey).sorted().toList();
        assertThat(always, is(List.of("app", "haproxy", "redis")));
        assertThat(String.valueOf(services.get("redis").get("command")), containsString("--appendonly no"));
    }

    @Test
    void theHaLinesPointTheReplicasAtTheProfilesSentinelsAndTheNameTheyMonitor() throws IOException {
        Map<String, String> ha = haBlock();
        assertThat(ha.get("COMPOSE_PROFILES"), is("ha"));
        RedisConfig redis = AppSettings.of(ComposeFrontTest.resolve(ComposeFrontTest.appEnvironment(), ha)).redis();
        assertThat("REDIS_URL set to empty clears the default", redis.url().isPresent(), is(false));
        SentinelConfig sentinel = redis.sentinel().orElseThrow();

        Map<String, Map<String, Object>> services = services();
        List<SentinelConfig.Address> inProfile = services.entrySet().stream()
                .filter(e -> List.of("ha").equals(e.getValue().get("profiles")) && e.getKey().startsWith("sentinel-"))
                .map(e -> new SentinelConfig.Address(e.getKey(), 26379)).sorted(java.util.Comparator.comparing(
                        SentinelConfig.Address::host)).toList();
        assertThat(inProfile.size(), is(3));
        assertThat(sentinel.addresses(), is(inProfile));
        for (SentinelConfig.Address a : inProfile) {
            Map<String, Object> s = services.get(a.host());
            String start = String.valueOf(s.get("command"));
            assertThat(start, containsString("'sentinel monitor " + sentinel.master() + " redis-primary 6379 2'"));
            assertThat(start, containsString("'port 26379'"));
            // $$ is compose's escape: the shell sees $SENTINEL_NAME
            assertThat(start, containsString("sentinel announce-ip $$SENTINEL_NAME"));
            assertThat(String.valueOf(s.get("environment")), containsString("SENTINEL_NAME=" + a.host()));
        }
    }

    @Test
    void bothRedisServersOfTheProfilePersistToAVolume() throws IOException {
        Map<String, Map<String, Object>> services = services();
        for (String name : List.of("redis-primary", "redis-replica")) {
            Map<String, Object> s = services.get(name);
            assertThat(name, s.get("profiles"), is(List.of("ha")));
            String command = String.valueOf(s.get("command"));
            assertThat(name, command, containsString("--appendonly yes --appendfsync everysec"));
            assertThat(name, command, containsString("--dir /data"));
            // $$ is compose's escape: the shell sees $REDIS_NAME
            assertThat(name, command, containsString("--replica-announce-ip \"$$REDIS_NAME\""));
            assertThat(name, String.valueOf(s.get("environment")), containsString("REDIS_NAME=" + name));
            assertThat(name, String.valueOf(s.get("volumes")), is("[" + name + "-data:/data]"));
        }
        assertThat(String.valueOf(services.get("redis-replica").get("environment")),
                   containsString("REDIS_REPLICAOF=--replicaof redis-primary 6379"));
        assertThat("the primary replicates nothing", ((Map<?, ?>) services.get("redis-primary").get("environment"))
                .get("REDIS_REPLICAOF"), is(""));
    }
}
