package dev.rotor.deploy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.admission.AdmissionConfig;
import dev.rotor.lifecycle.LifecycleConfig;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * {@code docker-compose.yml} and {@code deploy/haproxy.cfg} as their programs read them: one
 * image built once and scaled, every user setting reaching the replicas, rate limiting on
 * behind a trusted HAProxy, and an HAProxy that never replays a request a replica may have run.
 */
class ComposeFrontTest {
    /** The settings a user of the original deployment sets (issue 12). */
    private static final List<String> USER_VARIABLES = List.of(
            "TOGETHER_API_KEY", "ROTOR_GEOIP_URL", "ROTOR_RATE_LIMIT", "MAX_CONCURRENT_REQUESTS",
            "MAX_ACTIVE_INSTANCES", "TOGETHER_API_TIMEOUT");
    /** {@code ${VAR:-default}} (unset or empty: default) and {@code ${VAR-default}} (unset only). */
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z0-9_]+)(?:(:?)-([^}]*))?}");

    private final Map<String, Map<String, Object>> services = services();
    private final Haproxy haproxy = Haproxy.read();

    @Test
    void oneServiceIsBuiltOnceAndScaled() {
        List<String> building = services.entrySet().stream().filter(e -> e.getValue().containsKey("build")).map(Map.Entry::getKey).toList();
        assertThat("exactly one service builds the image", building, is(List.of("app")));
        Map<String, Object> app = services.get("app");
        assertThat(app.get("image"), is("rotor:local"));
        assertThat("two replicas unless --scale says otherwise", app.get("scale"), is(2));
        services.forEach((name, s) -> assertThat(name + " must not fix a container name (it could not scale)",
                                                 s.containsKey("container_name"), is(false)));
    }

    @Test
    void noFixedSubnetOrAddressToClashWithAnotherStack() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> networks = (Map<String, Object>) Manifests.yamlFile("docker-compose.yml").get("networks");
        networks.forEach((name, n) -> assertThat("network " + name + " leaves the subnet to Docker",
                                                 n instanceof Map<?, ?> m && m.containsKey("ipam"), is(false)));
        services.forEach((name, s) -> {
            if (s.get("networks") instanceof Map<?, ?> attached) {
                attached.values().forEach(a -> assertThat(name + " has no fixed address",
                                                          a instanceof Map<?, ?> m && m.containsKey("ipv4_address"), is(false)));
            }
        });
    }

    @Test
    void everyUserSettingReachesTheReplicas() {
        Map<String, Object> env = appEnvironment();
        for (String name : USER_VARIABLES) {
            assertThat(name + " is passed through from the shell or .env", String.valueOf(env.get(name)), startsWith("${" + name));
        }
        // what compose hands the replicas when the user sets them (the .env values win)
        Map<String, String> user = Map.of("TOGETHER_API_KEY", "key-from-env", "ROTOR_GEOIP_URL", "http://geo.example/{ip}",
                                          "MAX_CONCURRENT_REQUESTS", "7", "MAX_ACTIVE_INSTANCES", "9",
                                          "TOGETHER_API_TIMEOUT", "12", "ROTOR_RATE_LIMIT", "30/PT1M");
        AppSettings settings = AppSettings.of(resolve(env, user));
        assertThat(settings.chat().apiKey().orElseThrow(), is("key-from-env"));
        assertThat(settings.geoIp().urlTemplate().orElseThrow(), is("http://geo.example/{ip}"));
        assertThat(settings.admission().maxConcurrentRequests(), is(7));
        assertThat(settings.session().maxActive(), is(9));
        assertThat(settings.chat().timeout(), is(Duration.ofSeconds(12)));
        assertThat(settings.admission().rateLimit().orElseThrow().limit(), is(30L));
    }

    @Test
    void envExampleListsWhatAUserSetsAndEachKeyIsUsed() throws IOException {
        Map<String, String> example = envFile(Manifests.ROOT.resolve(".env.example"));
        String compose = Files.readString(Manifests.ROOT.resolve("docker-compose.yml"));
        for (String name : USER_VARIABLES) {
            assertThat(".env.example lists " + name, example.containsKey(name), is(true));
        }
        // ${KEY...} in the file, or a name passed as it is (KEY: with no value)
        example.keySet().forEach(k -> assertThat(".env.example key " + k + " is read by docker-compose.yml",
                                                  compose.contains("${" + k) || appEnvironment().containsKey(k), is(true)));
        // its values are valid settings, as the replicas would get them
        AppSettings.of(resolve(appEnvironment(), example));
    }

    @Test
    void accessLogIsOnByDefaultInTextForComposeLogs() {
        AppSettings defaults = AppSettings.of(resolve(appEnvironment(), Map.of()));
        assertThat(defaults.logging().accessLog(), is(true));
        assertThat(defaults.logging().format(), is(dev.rotor.logging.LogFormat.TEXT));
    }

    @Test
    void rateLimitingIsOnByDefaultBehindTheComposeNetwork() {
        AppSettings defaults = AppSettings.of(resolve(appEnvironment(), Map.of()));
        AdmissionConfig admission = defaults.admission();
        assertThat(admission.rateLimit().orElseThrow().limit(), is(600L));
        assertThat(admission.rateLimit().orElseThrow().window(), is(Duration.ofMinutes(1)));
        // Docker's default address pools (172.17-31/16, 192.168/16 in /20s) and a user's 10/8 pool
        for (String haproxyAddress : List.of("172.18.0.4", "172.31.5.2", "192.168.48.3", "10.213.77.10")) {
            assertThat(haproxyAddress + " is trusted", admission.trustedProxies().trusts(address(haproxyAddress)), is(true));
        }
        assertThat(admission.trustedProxies().trusts(address("203.0.113.7")), is(false));
        // HAProxy is the edge: a client's own X-Forwarded-For is dropped before HAProxy adds
        // the real address, so the replicas' walk from the right finds the client
        int del = haproxy.text.indexOf("http-request del-header X-Forwarded-For");
        int add = haproxy.text.indexOf("option forwardfor");
        assertThat("del-header X-Forwarded-For", del, greaterThanOrEqualTo(0));
        assertThat("option forwardfor after it", add, greaterThanOrEqualTo(del));
    }

    @Test
    void haproxyRetriesOnlyFailedConnectionsAndNeverReplaysANonIdempotentRequest() {
        List<String> retryOn = haproxy.directives("retry-on");
        assertThat(retryOn, is(List.of("retry-on conn-failure")));
        assertThat(haproxy.directives("http-request disable-l7-retry"),
                   is(List.of("http-request disable-l7-retry if !METH_GET !METH_HEAD")));
    }

    @Test
    void haproxySizesItsTablesAndBuffersSlowRequests() {
        List<String> maxconn = haproxy.section("global").stream().filter(l -> l.startsWith("maxconn ")).toList();
        assertThat("global maxconn", maxconn.size(), is(1));
        assertThat(Integer.parseInt(maxconn.getFirst().split("\\s+")[1]), lessThanOrEqualTo(20_000));
        List<String> defaults = haproxy.section("defaults");
        assertThat("the whole request (headers and body) before a replica is chosen",
                   defaults.contains("option http-buffer-request"), is(true));
        assertThat(defaults.stream().anyMatch(l -> l.startsWith("timeout http-request ")), is(true));
    }

    @Test
    void haproxyChecksTolerateOneSlowCheckYetNoticeADrainInTime() {
        Duration timeoutCheck = haproxy.duration("timeout check");
        LifecycleConfig lifecycle = AppSettings.of(resolve(appEnvironment(), Map.of())).lifecycle();
        List<String> servers = haproxy.text.lines().map(String::strip)
                .filter(l -> l.startsWith("server ") || l.startsWith("server-template ")).toList();
        assertThat(servers, not(empty()));
        for (String server : servers) {
            assertThat("no unchecked (backup) server: a dead one costs every request a retry",
                       server, not(containsString("no-check")));
            assertThat(server, not(containsString(" backup")));
        }
        for (String backend : List.of("ready", "alive")) {
            String defaults = haproxy.section("backend " + backend).stream().filter(l -> l.startsWith("default-server ")).findFirst()
                    .orElseThrow(() -> new AssertionError("backend " + backend + " has no default-server line"));
            int fall = Integer.parseInt(haproxy.option(defaults, "fall"));
            assertThat(backend + ": one slow or failed check never takes a replica out", fall, greaterThanOrEqualTo(2));
            assertThat(defaults, containsString(" check "));
            Duration inter = Haproxy.time(haproxy.option(defaults, "inter"));
            Duration fastinter = Haproxy.time(haproxy.option(defaults, "fastinter"));
            assertThat(backend + ": short inter", inter, lessThanOrEqualTo(Duration.ofSeconds(1)));
            // worst case: the drain starts just after a good check; every failing check may take
            // the whole check timeout
            Duration notice = inter.plus(fastinter.multipliedBy(fall - 1)).plus(timeoutCheck.multipliedBy(fall));
            assertThat(backend + ": a draining replica is out before its drain period ends", notice, lessThan(lifecycle.drainPeriod()));
        }
    }

    @Test
    void haproxyFindsTheScaledReplicasThroughDockerDns() {
        assertThat(haproxy.section("resolvers docker"), org.hamcrest.Matchers.hasItem("nameserver dns 127.0.0.11:53"));
        int port = AppSettings.of(resolve(appEnvironment(), Map.of())).web().port();
        for (String backend : List.of("ready", "alive")) {
            List<String> templates = haproxy.section("backend " + backend).stream().filter(l -> l.startsWith("server-template ")).toList();
            assertThat(backend, templates.size(), is(1));
            String[] t = templates.getFirst().split("\\s+");
            assertThat("slots for --scale app=3 and more", Integer.parseInt(t[2]), greaterThanOrEqualTo(3));
            assertThat("the compose service's DNS name and the app's port", t[3], is("app:" + port));
            assertThat(haproxy.section("backend " + backend).stream().filter(l -> l.startsWith("default-server ")).findFirst().orElseThrow(),
                       containsString("resolvers docker"));
        }
        assertThat(haproxy.section("backend ready").stream().anyMatch(l -> l.contains("uri /observe/health/ready ")), is(true));
        assertThat(haproxy.section("backend alive").stream().anyMatch(l -> l.contains("uri /observe/health/live ")), is(true));
    }

    /** HAProxy itself accepts the file (a typo in a directive fails here, not at {@code docker compose up}). */
    @Test
    void haproxyAcceptsTheConfiguration() {
        Tools.assumeOnPath("haproxy", "haproxy -c checks deploy/haproxy.cfg; apt-get install haproxy");
        List<String> command = List.of("haproxy", "-c", "-f", "deploy/haproxy.cfg");
        Tools.Result r = Tools.run(Manifests.ROOT, command).assertSucceeded(command);
        assertThat(r.output(), containsString("Configuration file is valid"));
        assertThat("only the expected warnings (no DNS for the service name outside compose)",
                   r.output().lines().filter(l -> l.contains("[WARNING]") && !l.contains("could not resolve address 'app'")).toList(),
                   is(empty()));
    }

    /** Compose v1 (what the project's machines have; v2 reads the same file) accepts it. */
    @Test
    void composeAcceptsTheFile() {
        Tools.assumeOnPath("docker-compose", "docker-compose config -q validates docker-compose.yml; apt-get install docker-compose");
        List<String> command = List.of("docker-compose", "-f", "docker-compose.yml", "--env-file", ".env.example", "config", "-q");
        Tools.run(Manifests.ROOT, command).assertSucceeded(command);
    }

    static Map<String, Object> appEnvironment() {
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) services().get("app").get("environment");
        return env;
    }

    /**
     * The replicas' environment as compose builds it: {@code ${VAR:-default}} from the user's
     * values, else the default; {@code ${VAR-default}} keeps a value the user set to empty; a
     * name with no value is passed only when the user set it.
     */
    static Map<String, String> resolve(Map<String, Object> env, Map<String, String> user) {
        Map<String, String> out = new HashMap<>();
        env.forEach((k, v) -> {
            if (v == null) {
                if (user.containsKey(k)) {
                    out.put(k, user.get(k));
                }
                return;
            }
            Matcher m = INTERPOLATION.matcher(String.valueOf(v));
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String value = user.get(m.group(1));
                if (value == null || (value.isEmpty() && !"".equals(m.group(2)))) {
                    value = m.group(3) == null ? "" : m.group(3);
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            out.put(k, sb.toString());
        });
        return out;
    }

    static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            out.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services() {
        try {
            return (Map<String, Map<String, Object>>) Manifests.yamlFile("docker-compose.yml").get("services");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** deploy/haproxy.cfg as sections of directive lines, comments dropped. */
    record Haproxy(String text, Map<String, List<String>> sections) {
        static Haproxy read() {
            try {
                String raw = Files.readString(Manifests.ROOT.resolve("deploy/haproxy.cfg"));
                Map<String, List<String>> sections = new LinkedHashMap<>();
                List<String> current = null;
                StringBuilder text = new StringBuilder();
                for (String line : raw.lines().toList()) {
                    int hash = line.indexOf('#');
                    String l = (hash >= 0 ? line.substring(0, hash) : line).strip().replaceAll("\\s+", " ");
                    if (l.isEmpty()) {
                        continue;
                    }
                    text.append(l).append('\n');
                    if (!Character.isWhitespace(line.charAt(0))) {
                        current = new ArrayList<>();
                        sections.put(l, current);
                    } else if (current != null) {
                        current.add(l);
                    }
                }
                return new Haproxy(text.toString(), sections);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        List<String> section(String name) {
            List<String> s = sections.get(name);
            if (s == null) {
                throw new AssertionError("deploy/haproxy.cfg has no section '" + name + "' (has " + sections.keySet() + ")");
            }
            return s;
        }

        List<String> directives(String prefix) {
            return text.lines().filter(l -> l.startsWith(prefix)).toList();
        }

        Duration duration(String directive) {
            List<String> found = directives(directive + " ");
            assertThat(directive, found.size(), is(1));
            return time(found.getFirst().substring(directive.length() + 1));
        }

        String option(String line, String name) {
            String[] words = line.split(" ");
            for (int i = 0; i < words.length - 1; i++) {
                if (words[i].equals(name)) {
                    return words[i + 1];
                }
            }
            throw new AssertionError("no " + name + " in: " + line);
        }

        /** HAProxy time: a number with us, ms, s, m, h or d (default ms). */
        static Duration time(String value) {
            Matcher m = Pattern.compile("(\\d+)(us|ms|s|m|h|d)?").matcher(value);
            assertThat(value, m.matches(), is(true));
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "ms" : m.group(2)) {
                case "us" -> Duration.ofNanos(n * 1000);
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
    }
}
