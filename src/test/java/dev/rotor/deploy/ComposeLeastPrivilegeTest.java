package dev.rotor.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.Settings;
import dev.rotor.redis.RedisConfig;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * docker-compose.yml as compose renders it, every profile on: each service drops every
 * capability, cannot gain privileges, rotates its logs, runs a pinned image, and runs on a
 * read-only root where it writes nothing; Redis asks for the password the replicas send.
 */
class ComposeLeastPrivilegeTest {
    /** The services that write (a Sentinel rewrites its configuration in its own /data). */
    private static final List<String> WRITABLE_ROOT = List.of("sentinel-1", "sentinel-2", "sentinel-3");
    /** The images the Dockerfile and compose pin, which .ci/run gives the local stand-ins' names. */
    private static final Pattern FROM = Pattern.compile("(?m)^FROM (\\S+)");

    @Test
    void everyServiceDropsItsCapabilitiesCannotGainPrivilegesAndRotatesItsLogs() {
        Map<String, Map<String, Object>> services = render(Map.of());
        assertThat(services.keySet(), hasItem("prometheus"));
        assertThat(services.keySet(), hasItem("sentinel-3"));
        services.forEach((name, service) -> {
            assertThat(name + " cap_drop", service.get("cap_drop"), is(List.of("ALL")));
            assertThat(name + " cap_add", service.containsKey("cap_add"), is(false));
            assertThat(name + " security_opt", String.valueOf(service.get("security_opt")), containsString("no-new-privileges:true"));
            @SuppressWarnings("unchecked")
            Map<String, Object> logging = (Map<String, Object>) service.get("logging");
            assertThat(name + " logging", logging.get("driver"), is("json-file"));
            @SuppressWarnings("unchecked")
            Map<String, Object> options = (Map<String, Object>) logging.get("options");
            assertThat(name + " log size", options.get("max-size"), is("10m"));
            assertThat(name + " log files", String.valueOf(options.get("max-file")), is("3"));
            assertThat(name + " read_only", Boolean.TRUE.equals(service.get("read_only")), is(!WRITABLE_ROOT.contains(name)));
            assertThat(name + " privileged", Boolean.TRUE.equals(service.get("privileged")), is(false));
            String image = String.valueOf(service.get("image"));
            if (!name.equals("app")) {
                assertThat(name + " " + image, KubernetesLeastPrivilegeTest.PINNED.matcher(image).matches(), is(true));
            }
        });
        assertThat("the JVM's /tmp is the one writable place of a replica", String.valueOf(services.get("app").get("tmpfs")),
                   containsString("/tmp"));
    }

    @Test
    void redisAsksForThePasswordTheReplicasSendAndAUserChangesItInOnePlace() {
        for (Map<String, String> user : List.of(Map.<String, String>of(), Map.of("REDIS_PASSWORD", "from-dot-env-0123"))) {
            Map<String, Map<String, Object>> services = render(user);
            Map<String, String> app = ComposeEnvironmentTest.strings(services.get("app").get("environment"));
            String password = app.get("REDIS_PASSWORD");
            assertThat(password == null || password.isBlank(), is(false));
            user.values().forEach(v -> assertThat(password, is(v)));
            for (String redis : List.of("redis", "redis-primary", "redis-replica", "sentinel-1", "sentinel-2", "sentinel-3")) {
                assertThat(redis, ComposeEnvironmentTest.strings(services.get(redis).get("environment")).get("REDIS_PASSWORD"), is(password));
            }
            RedisConfig config = RedisConfig.from(Settings.of(ConfigLoader.load(app, Map.of())).node("rotor").node("redis"));
            assertThat("the replicas sign in as rotor", config.url().orElseThrow().getUserInfo(), is("rotor:" + password));
            assertThat("never in the log line", config.safeUrl(), not(containsString(password)));
            String command = String.valueOf(services.get("redis").get("command"));
            assertThat("no anonymous user", command, containsString("user default off"));
            assertThat("the password comes from the environment, not the file", command, not(containsString(password)));
        }
    }

    @Test
    void theCiSeedsEveryPinnedBaseImageUnderItsPinnedName() throws IOException {
        String ci = Files.readString(Manifests.ROOT.resolve(".ci/run"));
        Matcher from = FROM.matcher(Files.readString(Manifests.ROOT.resolve("Dockerfile")));
        int found = 0;
        while (from.find()) {
            found++;
            assertThat(from.group(1), KubernetesLeastPrivilegeTest.PINNED.matcher(from.group(1)).matches(), is(true));
            assertThat(".ci/run tags a stand-in as " + from.group(1), ci, containsString("=" + from.group(1) + " "));
        }
        assertThat(found, is(2));
        for (Map.Entry<String, Map<String, Object>> s : ComposeFrontTest.services().entrySet()) {
            String image = String.valueOf(s.getValue().get("image"));
            if (image.startsWith("redis:") || image.startsWith("haproxy:")) {
                assertThat(".ci/run tags a stand-in as " + image, ci, containsString("=" + image + " "));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> render(Map<String, String> user) {
        Tools.assumeOnPath("docker-compose", "docker-compose config renders docker-compose.yml; apt-get install docker-compose");
        try {
            Path emptyEnvFile = Files.createTempFile("rotor-env", ".env");
            try {
                Map<String, String> env = new HashMap<>(user);
                env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
                env.put("HOME", System.getProperty("java.io.tmpdir"));
                List<String> command = List.of("docker-compose", "-f", "docker-compose.yml", "--env-file", emptyEnvFile.toString(),
                                               "--profile", "ha", "--profile", "monitoring", "config");
                String out = Tools.run(Manifests.ROOT, command, env).assertSucceeded(command).output();
                String document = out.substring(out.indexOf("services:"));
                return (Map<String, Map<String, Object>>) ((Map<String, Object>) new Yaml().load(document)).get("services");
            } finally {
                Files.deleteIfExists(emptyEnvFile);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
