package dev.rotor.deploy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Json;
import dev.rotor.support.RawSocket;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Each front door as it ships, from outside: the built jar with each deploy file's settings
 * (compose's replicas behind a real HAProxy running {@code deploy/haproxy.cfg}'s frontend and
 * checks; the Kubernetes pod's settings; Render's). Operator paths (metrics, replica status,
 * leak reports) are refused from outside, served on the admin port or with the token, and the
 * probes the orchestrator uses still answer.
 */
class FrontDoorsIT {
    /** Operator paths and spellings of them a router or a front door might read differently. */
    private static final List<String> OPERATOR_PATHS = List.of("/observe/metrics", "/observe/replica",
                                                               "/observe/replica/report", "/observe/health", "/observe",
                                                               "//observe/metrics", "/%6Fbserve/metrics", "/OBSERVE/metrics",
                                                               "/./observe/metrics", "/x/../observe/metrics",
                                                               "/observe/metrics;x=1", "/observe/metrics?x=1");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Requests HAProxy refuses itself with a 400 and a close: no replica sees them. */
    private static final Map<String, String> MALFORMED = Map.of(
            "a chunk size that is not hex", "POST /api/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "a chunk size of 17 hex digits", "POST /api/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\nabc\r\n0\r\n\r\n",
            "two different Content-Lengths", "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "a space before a header's colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "a header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n");

    @TempDir
    Path dir;

    @Test
    void composeHaproxyRefusesOperatorPathsWhileItsChecksSeeTheReplicasAndPrometheusScrapesTheAdminPort() throws Exception {
        Tools.assumeOnPath("haproxy", "the compose front is HAProxy; apt-get install haproxy");
        Map<String, String> env = ComposeFrontTest.resolve(ComposeFrontTest.appEnvironment(), Map.of());
        String composeAdminPort = env.get("ROTOR_ADMIN_PORT");
        assertThat("compose gives the replicas an admin port", composeAdminPort == null || composeAdminPort.isBlank(), is(false));
        assertThat("the replicas publish no port", ComposeFrontTest.services().get("app").containsKey("ports"), is(false));
        @SuppressWarnings("unchecked")
        Map<String, Object> scrape = ((List<Map<String, Object>>) Manifests.yamlFile("deploy/prometheus/prometheus.yml")
                .get("scrape_configs")).getFirst();
        @SuppressWarnings("unchecked")
        Map<String, Object> discovery = ((List<Map<String, Object>>) scrape.get("dns_sd_configs")).getFirst();
        assertThat("Prometheus finds every replica of the app service", discovery.get("names"), is(List.of("app")));
        assertThat("and scrapes its admin port", String.valueOf(discovery.get("port")), is(composeAdminPort));
        assertThat(scrape.get("metrics_path"), is("/observe/metrics"));
        if (Manifests.onPath("promtool")) {
            List<String> check = List.of("promtool", "check", "config", "deploy/prometheus/prometheus.yml");
            Tools.run(Manifests.ROOT, check).assertSucceeded(check);
        }

        int admin = JarProcess.freePort();
        try (JarProcess replica = JarProcess.start(replicaEnv(env, admin))) {
            replica.awaitReady(PATIENCE);
            int port = JarProcess.freePort();
            Path socket = dir.resolve("haproxy.sock");
            Files.writeString(dir.resolve("haproxy.cfg"), haproxyConfig(port, replica.port(), socket));
            Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            try {
                Await.until("HAProxy's own checks find the replica ready and live; log:\n" + log(), PATIENCE,
                            () -> haproxy.isAlive() && serverUp(socket, "ready") && serverUp(socket, "alive"));
                assertThat(Http.status(port, "/"), is(200));
                for (String path : OPERATOR_PATHS) {
                    HttpResponse<String> refused = Http.get(port, path);
                    assertThat(path + " through HAProxy: " + refused.body(), refused.statusCode(), is(404));
                    assertThat(path, refused.body(), containsString("front door"));
                    assertThat(path, Json.object(refused.body()).getString("error"), is("not_found"));
                }
                for (String probe : List.of("/observe/health/ready", "/observe/health/live")) {
                    assertThat(probe + " through HAProxy: its checks go to the replicas themselves",
                               Http.status(port, probe), is(404));
                }
                double refusedByReplica = malformedSeenByReplica(admin);
                for (Map.Entry<String, String> bad : MALFORMED.entrySet()) {
                    String answer;
                    try (RawSocket raw = RawSocket.open(port, PATIENCE)) {
                        answer = raw.send(bad.getValue()).readToClose();
                    }
                    String head = answer.split("\r\n\r\n", 2)[0];
                    assertThat(bad.getKey() + " through HAProxy: " + answer, head, containsString("HTTP/1.1 400 "));
                    assertThat(bad.getKey() + ": the connection closes (readToClose returned)", head.toLowerCase(), containsString("connection: close"));
                    // the body is HAProxy's compiled-in HTML page: its HTTP/1 parser ignores
                    // http-error and errorfile for parse errors (see deploy/haproxy.cfg)
                    assertThat(bad.getKey() + ": one answer, nothing forwarded after it", answer.indexOf("HTTP/1.1", 1), is(-1));
                }
                assertThat("HAProxy refused them itself: the replica counted no malformed request",
                           malformedSeenByReplica(admin), is(refusedByReplica));
                assertThat("HAProxy's checks still pass after all that", serverUp(socket, "ready"), is(true));
            } finally {
                haproxy.destroy();
                haproxy.waitFor();
            }
            assertOperatorPathsRefused(replica.port(), Map.of());
            assertThat(Http.status(replica.port(), "/observe/health/ready"), is(200));
            assertThat("Prometheus's target", Http.status(admin, "/observe/metrics"), is(200));
        }
    }

    @Test
    void kubernetesPodServesItsProbesOnThePodPortAndOperatorPathsOnTheAdminPortOnly() throws Exception {
        List<HasMetadata> objects = Manifests.kubernetes();
        Container container = Manifests.named(objects, Deployment.class, "rotor").getSpec().getTemplate().getSpec()
                .getContainers().getFirst();
        Map<String, String> env = new HashMap<>(Manifests.named(objects, ConfigMap.class, "rotor-settings-").getData());
        for (EnvVar e : container.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        Map<String, Integer> ports = new HashMap<>();
        for (ContainerPort p : container.getPorts()) {
            ports.put(p.getName(), p.getContainerPort());
        }
        assertThat("the pod's admin port is the app's", String.valueOf(ports.get("admin")), is(env.get("ROTOR_ADMIN_PORT")));
        Map<String, String> annotations = Manifests.named(objects, Deployment.class, "rotor").getSpec().getTemplate()
                .getMetadata().getAnnotations();
        assertThat("the scrape annotation names the admin port", annotations.get("prometheus.io/port"),
                   is(env.get("ROTOR_ADMIN_PORT")));

        int admin = JarProcess.freePort();
        try (JarProcess replica = JarProcess.start(replicaEnv(env, admin))) {
            replica.awaitReady(PATIENCE);
            for (Probe probe : List.of(container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe())) {
                assertThat("the kubelet probes the public port", probe.getHttpGet().getPort().getStrVal(), is("http"));
                assertThat(probe.getHttpGet().getPath(), Http.status(replica.port(), probe.getHttpGet().getPath()), is(200));
                HttpResponse<String> throughIngress = Http.send(HttpRequest.newBuilder(
                        Http.uri(replica.port(), probe.getHttpGet().getPath())).header("X-Forwarded-For", "203.0.113.7"));
                assertThat("a probe through an ingress still answers", throughIngress.statusCode(), is(200));
            }
            assertOperatorPathsRefused(replica.port(), Map.of());
            assertOperatorPathsRefused(replica.port(), Map.of("X-Forwarded-For", "203.0.113.7"));
            assertThat(Http.status(admin, annotations.get("prometheus.io/path")), is(200));
            assertThat(Http.status(admin, "/observe/replica"), is(200));
        }
    }

    @Test
    void renderInstanceServesOperatorPathsWithTheTokenOnlyAndItsHealthCheckWithout() throws Exception {
        Map<String, Map<String, Object>> blueprint = RenderBlueprintTest.env(RenderBlueprintTest.services().getFirst());
        assertThat("Render generates the token: never in the file", blueprint.get("ROTOR_OBSERVE_TOKEN").get("generateValue"),
                   is(true));
        assertThat("one port only on Render", blueprint.containsKey("ROTOR_ADMIN_PORT"), is(false));
        Map<String, String> env = new HashMap<>();
        blueprint.forEach((k, v) -> {
            if (v.get("value") != null) {
                env.put(k, String.valueOf(v.get("value")));
            }
        });
        String token = "generated-by-render-" + Long.toHexString(System.nanoTime()) + "-0123456789";
        env.put("ROTOR_OBSERVE_TOKEN", token);
        String healthCheckPath = String.valueOf(RenderBlueprintTest.services().getFirst().get("healthCheckPath"));
        env.remove("PORT");
        try (JarProcess replica = JarProcess.start(replicaEnv(env, -1))) {
            replica.awaitReady(PATIENCE);
            assertThat("Render's health check, which sends no token", Http.status(replica.port(), healthCheckPath), is(200));
            // Render's proxy: a 10.x peer with Cloudflare's headers; here loopback, trusted by the test
            Map<String, String> proxied = Map.of("X-Forwarded-For", "203.0.113.7, 104.16.0.1",
                                                 "CF-Connecting-IP", "203.0.113.7");
            assertOperatorPathsRefused(replica.port(), proxied);
            assertOperatorPathsRefused(replica.port(), Map.of());
            assertOperatorPathsRefused(replica.port(), Map.of("Authorization", "Bearer " + token.substring(1)));
            for (String path : List.of("/observe/metrics", "/observe/replica")) {
                HttpResponse<String> served = Http.send(HttpRequest.newBuilder(Http.uri(replica.port(), path))
                                                                .header("Authorization", "Bearer " + token)
                                                                .header("CF-Connecting-IP", "203.0.113.7"));
                assertThat(path + " with the token", served.statusCode(), is(200));
            }
            assertThat("the token never reaches the log", replica.output(), not(containsString(token)));
        }
    }

    private static void assertOperatorPathsRefused(int port, Map<String, String> headers) {
        for (String path : OPERATOR_PATHS) {
            HttpRequest.Builder request = HttpRequest.newBuilder(Http.uri(port, path));
            headers.forEach(request::header);
            HttpResponse<String> refused = Http.send(request);
            assertThat(path + " " + headers + ": " + refused.body(), refused.statusCode(), is(404));
            assertThat(path, refused.body(), not(containsString("rotor_")));
            assertThat(path, Json.object(refused.body()).containsKey("error"), is(true));
        }
    }

    /** A deploy file's settings for a replica here: no Redis, no image-only variables, free ports. */
    private static Map<String, String> replicaEnv(Map<String, String> deployed, int adminPort) {
        Map<String, String> env = new HashMap<>(deployed);
        Manifests.IMAGE_VARIABLES.forEach(env::remove);
        env.keySet().removeIf(k -> k.startsWith("REDIS_"));
        env.put("ROTOR_ADMIN_PORT", adminPort > 0 ? String.valueOf(adminPort) : "");
        // loopback is where the test's "proxy" is
        env.put("ROTOR_TRUSTED_PROXIES", "127.0.0.0/8");
        env.put("ROTOR_WARMUP_REQUESTS", "20");
        return env;
    }

    /** The replica's count of malformed requests it refused, all kinds, from its admin port. */
    private static double malformedSeenByReplica(int admin) {
        HttpResponse<String> scrape = Http.get(admin, "/observe/metrics");
        assertThat(scrape.statusCode(), is(200));
        double sum = scrape.body().lines().filter(l -> l.startsWith("rotor_requests_malformed_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat("the replica exports the counter", scrape.body(), containsString("rotor_requests_malformed_total"));
        return sum;
    }

    /** deploy/haproxy.cfg as it is, but for the bind, the replica's address and a stats socket. */
    private static String haproxyConfig(int port, int replicaPort, Path socket) {
        ComposeFrontTest.Haproxy file = ComposeFrontTest.Haproxy.read();
        StringBuilder text = new StringBuilder("global\n");
        file.section("global").stream().filter(l -> !l.startsWith("log "))
                .forEach(l -> text.append("    ").append(l).append('\n'));
        text.append("    stats socket ").append(socket).append(" level admin\n");
        text.append("defaults\n");
        file.section("defaults").forEach(l -> text.append("    ").append(l).append('\n'));
        text.append("frontend public\n");
        file.section("frontend public").forEach(l -> text.append("    ")
                .append(l.startsWith("bind ") ? "bind 127.0.0.1:" + port : l).append('\n'));
        for (String backend : List.of("ready", "alive")) {
            text.append("backend ").append(backend).append('\n');
            file.section("backend " + backend).forEach(l -> text.append("    ").append(
                    l.startsWith("server-template ") ? "server app 127.0.0.1:" + replicaPort
                            : l.replace(" resolvers docker resolve-prefer ipv4 init-addr none", "")).append('\n'));
        }
        return text.toString();
    }

    /** Whether HAProxy's checks hold the backend's server up, read from its stats socket. */
    private static boolean serverUp(Path socket, String backend) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
            StringBuilder out = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) > 0) {
                out.append(StandardCharsets.US_ASCII.decode(buffer.flip()));
                buffer.clear();
            }
            // CSV: pxname,svname,...; field 18 (index 17) is the status
            return out.toString().lines().map(l -> l.split(","))
                    .anyMatch(f -> f.length > 17 && f[0].equals(backend) && f[1].equals("app") && f[17].equals("UP"));
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("haproxy.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
