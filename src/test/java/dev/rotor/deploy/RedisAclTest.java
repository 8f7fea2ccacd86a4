package dev.rotor.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.RedisTestServer;
import dev.rotor.support.Sessions;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The Redis ACL the deploy files ship (compose's {@code redis} service, k8s/base's Redis):
 * the user {@code rotor} may run only what Rotor sends, on its own keys. A real redis-server
 * with that exact line, and a real replica signed in as that user doing everything that
 * touches Redis (rate limit, sessions through their scripts and key tracking, the rotation
 * lease): Redis denies it nothing ({@code ACL LOG} stays empty), and denies the user anything else.
 */
class RedisAclTest {
    private static final Pattern USER_LINE = Pattern.compile("(?m)^\\s*(user rotor on .*)$");
    private static final String PASSWORD = "acl-test-0123456789abcdef";

    @Test
    void composeAndKubernetesShipTheSameAclAndNoAnonymousUser() throws IOException {
        assertThat(acl("k8s/base/redis.yaml"), is(acl("docker-compose.yml")));
        assertThat("the HA set's servers too", acl("k8s/components/redis-ha/redis.sh"), is(acl("docker-compose.yml")));
        for (String file : List.of("docker-compose.yml", "k8s/base/redis.yaml", "k8s/components/redis-ha/redis.sh")) {
            assertThat(file + " turns the default user off", Files.readString(Manifests.ROOT.resolve(file))
                    .lines().anyMatch(l -> l.strip().equals("user default off")), is(true));
        }
    }

    @Test
    void aReplicaSignedInAsTheRotorUserIsDeniedNothingItDoes() throws Exception {
        // the default user stays open here only so that the test server's own PING and INFO work;
        // Rotor signs in as rotor, whose rights are the shipped line's
        String config = "user default on nopass ~* &* +@all\n" + acl("docker-compose.yml").replace("${PASSWORD}", PASSWORD) + "\n";
        try (RedisTestServer redis = RedisTestServer.startNew(config)) {
            try (TestReplica r = TestReplica.start(Map.of("rotor.redis.url", redis.url(), "rotor.redis.user", "rotor",
                                                          "rotor.redis.password", PASSWORD,
                                                          "rotor.admission.rate-limit", "1000/PT1M",
                                                          "rotor.lifecycle.exit-mode", "exit",
                                                          "rotor.lifecycle.max-requests", "12",
                                                          "rotor.lifecycle.max-requests-jitter", "0",
                                                          "rotor.lifecycle.min-lifetime", "PT0S",
                                                          "rotor.lifecycle.drain-period", "PT0.2S"))) {
                String id = Sessions.create(r.port(), "{\"system\":\"acl\"}");
                Sessions.say(r.port(), id, "hello");
                assertThat(Http.status(r.port(), "/api/sessions/" + id), is(200));
                for (int i = 0; i < 6; i++) {
                    assertThat(Http.status(r.port(), "/"), is(200));
                }
                assertThat(Http.send(java.net.http.HttpRequest.newBuilder(Http.uri(r.port(), "/api/sessions/" + id)).DELETE())
                                   .statusCode(), is(204));
                // spend the quota: the rotation takes the fleet lease in Redis, then the replica leaves
                int port = r.port();
                for (int i = 0; i < 50 && !r.exitStatus().isDone(); i++) {
                    Http.status(port, "/");
                }
                assertThat(r.exitStatus().get(60, java.util.concurrent.TimeUnit.SECONDS), is(0));
            }
            assertThat("Rotor's scripts ran", redis.calls("evalsha") + redis.calls("eval"), is(greaterThan(0L)));
            assertThat("key tracking was turned on", redis.calls("client|tracking"), is(greaterThan(0L)));
            assertThat("nothing Rotor sent was denied: ACL LOG " + redis.command("ACL", "LOG"), redis.command("ACL", "LOG"),
                       is("*0"));
        }
    }

    @Test
    void theRotorUserCannotReachOtherKeysOrRunAdministrativeCommands() throws Exception {
        String config = "user default on nopass ~* &* +@all\n" + acl("docker-compose.yml").replace("${PASSWORD}", PASSWORD) + "\n";
        try (RedisTestServer redis = RedisTestServer.startNew(config)) {
            for (List<String> command : List.of(List.of("FLUSHALL"), List.of("CONFIG", "SET", "dir", "/tmp"),
                                                List.of("KEYS", "*"), List.of("GET", "other:key"), List.of("SET", "app:x", "1"),
                                                List.of("EVAL", "return redis.call('GET', 'other:key')", "0"),
                                                List.of("SUBSCRIBE", "other-channel"), List.of("DEBUG", "SLEEP", "0"),
                                                List.of("SCRIPT", "FLUSH"), List.of("CLIENT", "KILL", "TYPE", "normal"))) {
                assertThat(command.toString(), asRotor(redis.port(), command), startsWith("-"));
            }
            assertThat(asRotor(redis.port(), List.of("SET", "rotor:svc:x", "1")), is("+OK"));
            Await.until("ACL LOG records the denials", Duration.ofSeconds(5),
                        () -> !redis.command("ACL", "LOG").equals("*0"));
        }
    }

    /** The shipped line (every Redis of the file has the same), with the password as the placeholder ${PASSWORD}. */
    private static String acl(String file) throws IOException {
        Matcher m = USER_LINE.matcher(Files.readString(Manifests.ROOT.resolve(file)));
        java.util.Set<String> lines = new java.util.HashSet<>();
        while (m.find()) {
            lines.add(m.group(1).strip().replace("$$REDIS_PASSWORD", "${PASSWORD}").replace("$REDIS_PASSWORD", "${PASSWORD}"));
        }
        assertThat(file + " defines the ACL user rotor, the same in every Redis: " + lines, lines.size(), is(1));
        return lines.iterator().next();
    }

    /** AUTH as rotor, then the command: the command's first reply line. */
    private static String asRotor(int port, List<String> command) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            StringBuilder resp = new StringBuilder();
            for (List<String> c : List.of(List.of("AUTH", "rotor", PASSWORD), command)) {
                resp.append('*').append(c.size()).append("\r\n");
                for (String part : c) {
                    resp.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part).append("\r\n");
                }
            }
            socket.getOutputStream().write(resp.toString().getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            String auth = line(in);
            assertThat("rotor signs in", auth, is("+OK"));
            return line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\r') {
            line.append((char) c);
        }
        in.read();
        return line.toString();
    }
}
