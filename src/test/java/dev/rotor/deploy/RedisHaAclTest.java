package dev.rotor.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.rotor.support.Await;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Signals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.SafeEncoder;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * The ACL users the Redis HA sets ship (compose's profile {@code ha}, k8s/components/redis-ha):
 * {@code replica} for replication, {@code sentinel} for the Sentinels, {@code rotor} for the
 * app, and no anonymous user. The lines are read from the shipped files, not copied: a real
 * primary and a real replica get exactly the servers' ACL block on standard input (as the start
 * commands pass it), and a real {@code redis-sentinel} signs in with exactly the shipped
 * {@code sentinel auth-user} / {@code auth-pass} lines. Replication, discovery, a failover and
 * the old primary's return as a replica all work, and {@code ACL LOG} on every server shows
 * the denials the test provoked and nothing else: the users {@code replica} and
 * {@code sentinel} need nothing they lack.
 *
 * <p>The test's own: loopback addresses, ports and temp folders, no append-only file, one
 * Sentinel (quorum 1) that declares the primary down after 1 s instead of 5 s, and a user
 * {@code acl-test-admin} that reads {@code ACL LOG}, {@code CLIENT LIST} and {@code INFO}
 * (the shipped files leave no user that may). The first test keeps compose and k8s saying the
 * same, so that running compose's lines tests both.
 */
class RedisHaAclTest {
    private static final String PASSWORD = "ha-acl-test-0123456789abcdef";
    private static final String ADMIN = "acl-test-admin";
    private static final String ADMIN_PASSWORD = "ha-acl-admin-0123456789abcdef";
    /** Bounds for a busy 2-core machine: far above what each step takes, never asserted as a speed. */
    private static final Duration GENEROUS = Duration.ofSeconds(90);
    private static final Pattern HEREDOC = Pattern.compile("(?s)<<EOF\\n(.*?)\\n\\s*EOF");
    private static final Pattern QUOTED_SENTINEL_AUTH = Pattern.compile("['\"](sentinel auth-(?:user|pass) [^'\"]+)['\"]");

    private final List<Process> started = new ArrayList<>();
    private final List<Node> servers = new ArrayList<>();
    private Path dir;

    /** What a Redis server of the HA set reads on standard input, and the Sentinels' sign-in lines. */
    private record Shipped(List<String> serverLines, List<String> sentinelAuth) {
        /** @return the name the Sentinels monitor, as the auth lines name it */
        String master() {
            return sentinelAuth.getFirst().split(" ")[2];
        }
    }

    /** A server or Sentinel this test started, on a port of its own. */
    private record Node(String name, int port, Process process) {
        String address() {
            return "127.0.0.1:" + port;
        }
    }

    @SuppressWarnings("unchecked")
    private static Shipped compose() throws IOException {
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) Manifests
                .yamlFile("docker-compose.yml").get("services");
        List<String> primary = (List<String>) services.get("redis-primary").get("command");
        assertThat("the replica starts as the primary does", services.get("redis-replica").get("command"), is(primary));
        List<String> servers = heredoc(primary.getLast(), "docker-compose.yml redis-primary");
        Set<List<String>> sentinels = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            String start = String.join("\n", (List<String>) services.get("sentinel-" + i).get("command"));
            List<String> auth = new ArrayList<>();
            Matcher m = QUOTED_SENTINEL_AUTH.matcher(start);
            while (m.find()) {
                auth.add(m.group(1));
            }
            sentinels.add(auth);
        }
        assertThat("every Sentinel signs in alike", sentinels, hasSize(1));
        // $$ is compose's escape: the shell sees $REDIS_PASSWORD
        return new Shipped(password(servers, "$$REDIS_PASSWORD"), password(sentinels.iterator().next(), "$$REDIS_PASSWORD"));
    }

    private static Shipped kubernetes() throws IOException {
        Path component = Manifests.ROOT.resolve("k8s/components/redis-ha");
        List<String> servers = heredoc(Files.readString(component.resolve("redis.sh")), "redis.sh");
        List<String> auth = Files.readString(component.resolve("sentinel.sh")).lines().map(String::strip)
                .filter(l -> l.startsWith("sentinel auth-")).toList();
        return new Shipped(password(servers, "$REDIS_PASSWORD"), password(auth, "$REDIS_PASSWORD"));
    }

    private static List<String> heredoc(String script, String what) {
        Matcher m = HEREDOC.matcher(script);
        assertThat(what + " passes the ACL on standard input (<<EOF ... EOF)", m.find(), is(true));
        return m.group(1).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static List<String> password(List<String> lines, String placeholder) {
        return lines.stream().map(l -> l.replace(placeholder, PASSWORD)).toList();
    }

    @Test
    void composeAndKubernetesShipTheSameUsersAndSentinelSignIn() throws IOException {
        Shipped compose = compose();
        assertThat(kubernetes(), is(compose));
        assertThat(compose.serverLines(), hasItem("user default off"));
        assertThat(compose.sentinelAuth(), is(List.of("sentinel auth-user " + compose.master() + " sentinel",
                                                      "sentinel auth-pass " + compose.master() + " " + PASSWORD)));
        String monitor = "sentinel monitor " + compose.master() + " ";
        assertThat("the Sentinels watch the name the auth lines name", Files.readString(
                Manifests.ROOT.resolve("k8s/components/redis-ha/sentinel.sh")), containsString(monitor));
        assertThat(String.valueOf(((Map<?, ?>) ((Map<?, ?>) Manifests.yamlFile("docker-compose.yml").get("services"))
                .get("sentinel-1")).get("command")), containsString(monitor));
    }

    @Test
    void replicationAndAFailoverNeedNothingTheReplicaAndSentinelUsersLack() throws IOException {
        Tools.assumeOnPath("redis-server", "a real Redis primary, replica and Sentinel signing in as the shipped ACL users");
        Shipped ha = compose();
        dir = Files.createTempDirectory("rotor-ha-acl-");

        Node primary = server("primary", JarProcess.freePort(), ha, null);
        Node replica = server("replica", JarProcess.freePort(), ha, primary);
        await("the replica to sync with the primary as user replica",
              () -> linkUp(replica));
        assertThat("the replica's link is signed in as user replica", clientLines(primary, "flags=S"),
                   everyItem(containsString(" user=replica ")));
        assertThat(clientLines(primary, "flags=S"), hasSize(1));
        try (Jedis rotor = as(primary, "rotor", PASSWORD)) {
            assertThat(rotor.set("rotor:acl:before", "written on the first primary"), is("OK"));
        }
        await("the rotor user's write to reach the replica",
                    () -> "written on the first primary".equals(quietly(() -> readAsRotor(replica, "rotor:acl:before"))));

        Node sentinel = sentinel(ha, primary);
        await("the Sentinel to see the primary (flags master) and the replica (flags slave, link ok)",
                    () -> sees(sentinel, ha.master(), primary, replica));
        assertThat("the Sentinel signs in to the primary as user sentinel", clientLines(primary, "name=sentinel-"),
                   everyItem(containsString(" user=sentinel ")));
        assertThat(clientLines(primary, "name=sentinel-"), not(empty()));
        // what the replica and the Sentinel send an idle primary, attempted at least once (a hello
        // is published every 2 s), so that an ACL LOG without their names says they were allowed;
        // their PING and INFO too (the Sentinel learnt of the replica from the primary's INFO),
        // but the admin's own calls would make a count of those prove nothing
        for (String command : List.of("psync", "replconf", "subscribe", "publish", "client|setname")) {
            await("the primary to have seen " + command, () -> attempts(primary, command) > 0);
        }

        // what the test provokes, and so the only entries ACL LOG may show
        try (Jedis anonymous = anonymous(primary)) {
            assertThat(error(anonymous::ping), startsWith("NOAUTH"));
            assertThat(error(() -> anonymous.auth("default", "anything")), startsWith("WRONGPASS"));
        }
        try (Jedis rotor = as(primary, "rotor", PASSWORD)) {
            assertThat(error(rotor::flushAll), startsWith("NOPERM"));
            assertThat(error(() -> rotor.configGet("maxmemory")), startsWith("NOPERM"));
            assertThat(error(() -> rotor.keys("*")), startsWith("NOPERM"));
            assertThat(error(() -> rotor.get("app:not-rotors")), startsWith("NOPERM"));
        }
        assertThat("ACL LOG on the primary: what the test provoked, nothing from replication or the Sentinel",
                   aclLog(primary), is(new TreeSet<>(Set.of("default auth AUTH", "rotor command flushall",
                                                             "rotor command config|get", "rotor command keys",
                                                             "rotor key app:not-rotors"))));
        assertThat("ACL LOG on the replica", aclLog(replica), is(empty()));

        // the primary crashes: the Sentinel promotes the replica (SLAVEOF NO ONE, CONFIG REWRITE,
        // CLIENT KILL in a transaction), and the rotor user writes there
        Signals.kill(primary.process());
        await("the Sentinel to promote the replica",
                    () -> replica.address().equals(quietly(() -> named(sentinel, ha.master())))
                          && quietly(() -> info(replica, "replication")).contains("role:master"));
        for (String command : List.of("multi", "slaveof", "config|rewrite", "client|kill", "exec")) {
            assertThat("the Sentinel sent the promoted replica " + command, attempts(replica, command) > 0, is(true));
        }
        try (Jedis rotor = asRotor(replica)) {
            assertThat(rotor.set("rotor:acl:after", "written on the promoted replica"), is("OK"));
            assertThat(rotor.get("rotor:acl:before"), is("written on the first primary"));
        }

        // the old primary comes back as it started (a primary): the Sentinel turns it into the
        // new primary's replica, which it signs in to as user replica (masteruser)
        Node returned = server("primary", primary.port(), ha, null);
        await("the returned server to replicate the promoted one", () -> linkUp(returned));
        await("the rotor user's last write to reach the returned server",
                    () -> "written on the promoted replica".equals(quietly(() -> readAsRotor(returned, "rotor:acl:after"))));
        assertThat(clientLines(replica, "flags=S"), hasSize(1));
        assertThat(clientLines(replica, "flags=S"), everyItem(containsString(" user=replica ")));
        assertThat(attempts(returned, "slaveof") > 0, is(true));

        assertThat("ACL LOG on the promoted replica: no denial for the Sentinel or replication", aclLog(replica), is(empty()));
        assertThat("ACL LOG on the returned server", aclLog(returned), is(empty()));
    }

    /** {@link Await#until} with {@link #GENEROUS}; a timeout says what ACL LOG holds on each running server. */
    private void await(String what, BooleanSupplier condition) {
        try {
            Await.until(what, GENEROUS, condition);
        } catch (AssertionError e) {
            StringBuilder logs = new StringBuilder();
            for (Node n : servers) {
                if (n.process().isAlive()) {
                    logs.append("; ACL LOG on ").append(n.name()).append(' ').append(n.address()).append(": ")
                            .append(quietly(() -> aclLog(n).toString()));
                }
            }
            throw new AssertionError(e.getMessage() + logs, e);
        }
    }

    /**
     * Start a Redis server as the shipped start commands do: the ACL block on standard input
     * ({@code redis-server -}), the flags on the command line; the test adds its own admin user.
     */
    private Node server(String name, int port, Shipped ha, Node replicaOf) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        List<String> command = new ArrayList<>(List.of(Signals.onPath("redis-server").orElseThrow().toString(), "-",
                                                       "--port", String.valueOf(port),
                                                       "--bind", "127.0.0.1",
                                                       "--dir", folder.toString(),
                                                       "--save", "",
                                                       "--appendonly", "no",
                                                       "--protected-mode", "no"));
        if (replicaOf != null) {
            command.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(replicaOf.port())));
        }
        String stdin = String.join("\n", ha.serverLines()) + "\n"
                       + "user " + ADMIN + " on >" + ADMIN_PASSWORD + " ~* &* +@all\n";
        Process process = launch(name, command, folder);
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        Node node = new Node(name, port, process);
        awaitPong(node, folder, () -> {
            try (Jedis j = admin(node)) {
                return j.ping();
            }
        });
        servers.add(node);
        return node;
    }

    /** A Sentinel with the test's own timing and the shipped sign-in lines. */
    private Node sentinel(Shipped ha, Node primary) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("sentinel"));
        int port = JarProcess.freePort();
        String master = ha.master();
        List<String> conf = new ArrayList<>(List.of(
                "port " + port,
                "bind 127.0.0.1",
                "dir " + folder,
                // quorum 1: this one Sentinel decides alone
                "sentinel monitor " + master + " 127.0.0.1 " + primary.port() + " 1",
                "sentinel down-after-milliseconds " + master + " 1000",
                "sentinel failover-timeout " + master + " 10000"));
        conf.addAll(ha.sentinelAuth());
        Path file = folder.resolve("sentinel.conf");
        Files.writeString(file, String.join("\n", conf) + "\n");
        List<String> command = Signals.onPath("redis-sentinel")
                .map(b -> List.of(b.toString(), file.toString()))
                .orElseGet(() -> List.of(Signals.onPath("redis-server").orElseThrow().toString(), file.toString(),
                                         "--sentinel"));
        Node node = new Node("sentinel", port, launch("sentinel", command, folder));
        awaitPong(node, folder, () -> {
            try (Jedis j = anonymous(node)) {
                return j.ping();
            }
        });
        sentinelDebugSpeedup(node);
        return node;
    }

    /**
     * Ask the Sentinel to look and announce more often (SENTINEL DEBUG, Redis 7.0 on): it turns
     * a returned primary into a replica once that has reported itself a primary for four
     * announce periods, by default 8 s after an INFO that comes every 10 s. Speed only: without
     * it the same happens later, within the awaits' bounds.
     */
    private static void sentinelDebugSpeedup(Node sentinel) {
        try (Jedis j = anonymous(sentinel)) {
            j.sendCommand(Protocol.Command.SENTINEL, "DEBUG", "info-period", "500", "publish-period", "500");
        } catch (JedisDataException e) {
            // an older Sentinel: the defaults apply
        }
    }

    private Process launch(String name, List<String> command, Path folder) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(folder.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve(name + ".log").toFile()))
                .start();
        started.add(process);
        return process;
    }

    private static void awaitPong(Node node, Path folder, Supplier<String> ping) {
        Await.until(node.name() + " on " + node.address() + " to answer PING", GENEROUS, () -> {
            if (!node.process().isAlive()) {
                throw new AssertionError(node.name() + " exited: " + log(folder));
            }
            return "PONG".equals(quietly(ping));
        });
    }

    private static String log(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            StringBuilder out = new StringBuilder();
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                out.append(Files.readString(f));
            }
            return out.toString();
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static DefaultJedisClientConfig config(String user, String password) {
        // no CLIENT SETINFO on connect: a command the user rotor may not run, so it would add
        // entries to ACL LOG on a Redis that knows it (7.2 and later)
        return DefaultJedisClientConfig.builder().user(user).password(password)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .connectionTimeoutMillis(5000).socketTimeoutMillis(10_000).build();
    }

    private static Jedis as(Node node, String user, String password) {
        return new Jedis(new HostAndPort("127.0.0.1", node.port()), config(user, password));
    }

    private static Jedis asRotor(Node node) {
        return as(node, "rotor", PASSWORD);
    }

    private static String readAsRotor(Node node, String key) {
        try (Jedis j = asRotor(node)) {
            return j.get(key);
        }
    }

    private static Jedis admin(Node node) {
        return as(node, ADMIN, ADMIN_PASSWORD);
    }

    private static Jedis anonymous(Node node) {
        return new Jedis(new HostAndPort("127.0.0.1", node.port()), config(null, null));
    }

    private static String info(Node node, String section) {
        try (Jedis j = admin(node)) {
            return j.info(section);
        }
    }

    private static boolean linkUp(Node node) {
        String replication = quietly(() -> info(node, "replication"));
        return replication.contains("role:slave") && replication.contains("master_link_status:up");
    }

    /** @return CLIENT LIST lines (as the admin sees them) that contain {@code marker} */
    private static List<String> clientLines(Node node, String marker) {
        try (Jedis j = admin(node)) {
            return j.clientList().lines().map(l -> l + " ").filter(l -> l.contains(marker)).toList();
        }
    }

    /** @return how often the server ran or refused a command ({@code INFO commandstats}: calls plus rejected_calls) */
    private static long attempts(Node node, String command) {
        String line = info(node, "commandstats").lines().filter(l -> l.startsWith("cmdstat_" + command + ":"))
                .findFirst().orElse("");
        long total = 0;
        for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
            if (field.startsWith("calls=") || field.startsWith("rejected_calls=")) {
                total += Long.parseLong(field.substring(field.indexOf('=') + 1));
            }
        }
        return total;
    }

    /** @return each ACL LOG entry as "username reason object" */
    private static TreeSet<String> aclLog(Node node) {
        try (Jedis j = admin(node)) {
            TreeSet<String> out = new TreeSet<>();
            for (Object entry : (List<?>) j.sendCommand(Protocol.Command.ACL, "LOG")) {
                Map<String, String> fields = new HashMap<>();
                List<?> pairs = (List<?>) entry;
                for (int i = 0; i + 1 < pairs.size(); i += 2) {
                    fields.put(text(pairs.get(i)), text(pairs.get(i + 1)));
                }
                out.add(fields.get("username") + " " + fields.get("reason") + " " + fields.get("object"));
            }
            return out;
        }
    }

    private static String text(Object value) {
        return value instanceof byte[] b ? SafeEncoder.encode(b) : String.valueOf(value);
    }

    private static boolean sees(Node sentinel, String master, Node primary, Node replica) {
        try (Jedis j = anonymous(sentinel)) {
            Map<String, String> m = j.sentinelMaster(master);
            List<Map<String, String>> replicas = j.sentinelReplicas(master);
            return m.get("flags").equals("master") && primary.address().equals(m.get("ip") + ":" + m.get("port"))
                   && replicas.size() == 1
                   && replica.address().equals(replicas.getFirst().get("ip") + ":" + replicas.getFirst().get("port"))
                   && replicas.getFirst().get("flags").equals("slave")
                   && "ok".equals(replicas.getFirst().get("master-link-status"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String named(Node sentinel, String master) {
        try (Jedis j = anonymous(sentinel)) {
            List<String> a = j.sentinelGetMasterAddrByName(master);
            return a.get(0) + ":" + a.get(1);
        }
    }

    /** @return the error a command got from Redis */
    private static String error(Runnable command) {
        try {
            command.run();
        } catch (JedisDataException e) {
            return e.getMessage();
        }
        throw new AssertionError("Redis ran a command it must refuse");
    }

    /** @return the value, or "" while the server cannot answer (starting, stopped, killed connections) */
    private static String quietly(Supplier<String> read) {
        try {
            String value = read.get();
            return value == null ? "" : value;
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Stop every process this test started by its PID, then remove their folder. */
    @AfterEach
    void stop() {
        for (Process p : started.reversed()) {
            Signals.kill(p);
        }
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
