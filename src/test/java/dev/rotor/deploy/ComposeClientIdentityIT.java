package dev.rotor.deploy;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Json;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The compose front's client identity with a real HAProxy: the {@code global} and
 * {@code defaults} sections of {@code deploy/haproxy.cfg} and its frontend's
 * {@code X-Forwarded-For} lines, as they are, in front of a replica that trusts loopback as
 * compose trusts its network. A client's own {@code X-Forwarded-For} must not reach the
 * replica: the client is the address HAProxy saw.
 */
class ComposeClientIdentityIT {
    @TempDir
    Path dir;

    @Test
    void aClientsForwardedForIsDroppedByHaproxyAndItsOwnAddressIsTheClient() throws Exception {
        Tools.assumeOnPath("haproxy", "the compose front is HAProxy; apt-get install haproxy");
        ComposeFrontTest.Haproxy file = ComposeFrontTest.Haproxy.read();
        try (StandInServer provider = StandInServer.start(req -> Reply.json(200, "{\"status\":\"success\",\"country\":\"X\"}"));
             TestReplica replica = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                                            "rotor.admission.trusted-proxies", "127.0.0.0/8"))) {
            // the control: from a trusted peer, a forwarded 8.8.8.8 is believed
            assertThat(scope(replica.port(), "8.8.8.8"), is("public"));
            int port = JarProcess.freePort();
            StringBuilder text = new StringBuilder("global\n");
            file.section("global").forEach(l -> text.append("    ").append(l).append('\n'));
            text.append("defaults\n");
            file.section("defaults").forEach(l -> text.append("    ").append(l).append('\n'));
            text.append("frontend public\n    bind 127.0.0.1:").append(port).append('\n');
            file.section("frontend public").stream()
                    .filter(l -> l.contains("X-Forwarded-For") || l.contains("forwardfor"))
                    .forEach(l -> text.append("    ").append(l).append('\n'));
            text.append("    default_backend replica\nbackend replica\n    server one 127.0.0.1:").append(replica.port()).append('\n');
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, text);
            Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            try {
                Await.until("HAProxy listens", Duration.ofSeconds(30), () -> {
                    try {
                        return Http.status(port, "/") == 200;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                assertThat("through HAProxy the client is the address HAProxy saw (loopback), not its claim",
                           scope(port, "8.8.8.8"), is("loopback"));
                assertThat(provider.requests().stream().filter(r -> r.path().equals("/json/8.8.8.8")).count(), is(1L));
            } finally {
                haproxy.destroy();
                haproxy.waitFor();
            }
        }
    }

    private static String scope(int port, String forwardedFor) {
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(Http.uri(port, "/api/geo"))
                                                   .header("X-Forwarded-For", forwardedFor).GET());
        assertThat(r.body(), r.statusCode(), is(200));
        return Json.object(r.body()).getString("scope");
    }
}
