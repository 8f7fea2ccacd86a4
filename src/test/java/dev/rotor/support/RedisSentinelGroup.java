package dev.rotor.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import redis.clients.jedis.Jedis;

/**
 * One Redis primary, one replica and three Sentinels, real processes on free loopback ports,
 * each with its own working directory under one temp folder (a replica's full sync writes an
 * RDB file there; Sentinels rewrite their config file), started and stopped by the test by
 * PID. Sentinels declare a primary down after 1 s ({@link #DOWN_AFTER}) so that a failover
 * takes a few seconds.
 *
 * <p>The Sentinels are {@code redis-sentinel} from PATH (Debian package {@code redis-sentinel});
 * without it, the {@code redis-server} the other tests use run with {@code --sentinel}, which is
 * the same program, so these tests never skip.
 */
public final class RedisSentinelGroup implements AutoCloseable {
    /** The name the Sentinels monitor the primary under. */
    public static final String MASTER = "rotor-test";
    /** Sentinels' {@code down-after-milliseconds}. */
    public static final Duration DOWN_AFTER = Duration.ofMillis(1000);

    private final Path dir;
    private final List<Node> servers = new ArrayList<>();
    private final List<Node> sentinels = new ArrayList<>();

    /** A started process on a port. */
    public static final class Node {
        private final String name;
        private final int port;
        private final Process process;

        private Node(String name, int port, Process process) {
            this.name = name;
            this.port = port;
            this.process = process;
        }

        /** @return the port */
        public int port() {
            return port;
        }

        /** @return {@code 127.0.0.1:port} */
        public String address() {
            return "127.0.0.1:" + port;
        }

        /** @return whether the process runs */
        public boolean alive() {
            return process.isAlive();
        }

        /** SIGKILL, as a crash would, and wait for the process to end. */
        public void kill() {
            Signals.kill(process);
        }

        /** SIGSTOP: the kernel accepts connections, nothing answers. */
        public void pause() {
            signal("STOP");
        }

        /** SIGCONT. */
        public void resume() {
            signal("CONT");
        }

        /**
         * @return a connection to this node (close it)
         */
        public Jedis client() {
            return new Jedis("127.0.0.1", port, 2000);
        }

        private void signal(String signal) {
            Signals.send(process, signal);
        }

        @Override
        public String toString() {
            return name + " " + address() + " (pid " + process.pid() + ")";
        }
    }

    private RedisSentinelGroup(Path dir) {
        this.dir = dir;
    }

    /**
     * Start the primary, the replica and three Sentinels, and return once the replica is in sync
     * and every Sentinel knows the replica and the two other Sentinels (what a failover needs).
     *
     * @return the running group
     */
    public static RedisSentinelGroup start() {
        RedisSentinelGroup group;
        try {
            group = new RedisSentinelGroup(Files.createTempDirectory("rotor-sentinel-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Node primary = group.server("primary", null);
            group.server("replica", primary);
            for (int i = 0; i < 3; i++) {
                group.sentinel(i, primary);
            }
            Await.until("the replica to be in sync and every Sentinel to know the replica and its two peers",
                        Duration.ofSeconds(60), group::ready);
            return group;
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
    }

    private Node server(String name, Node primaryOf) {
        int port = JarProcess.freePort();
        List<String> command = new ArrayList<>(List.of(RedisTestServer.binary().toString(),
                                                       "--port", String.valueOf(port),
                                                       "--bind", "127.0.0.1",
                                                       "--dir", folder(name).toString(),
                                                       "--save", "",
                                                       "--appendonly", "no",
                                                       "--protected-mode", "no"));
        if (primaryOf != null) {
            command.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(primaryOf.port())));
        }
        Node node = new Node(name, port, launch(name, command));
        servers.add(node);
        Await.until(node + " to answer PING", Duration.ofSeconds(10), () -> pings(node));
        return node;
    }

    private void sentinel(int i, Node primary) {
        String name = "sentinel-" + i;
        int port = JarProcess.freePort();
        Path folder = folder(name);
        Path conf = folder.resolve("sentinel.conf");
        try {
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "dir " + folder,
                    "sentinel monitor " + MASTER + " 127.0.0.1 " + primary.port() + " 2",
                    "sentinel down-after-milliseconds " + MASTER + " " + DOWN_AFTER.toMillis(),
                    "sentinel failover-timeout " + MASTER + " 5000",
                    "sentinel parallel-syncs " + MASTER + " 1",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = Signals.onPath("redis-sentinel")
                .map(b -> List.of(b.toString(), conf.toString()))
                .orElseGet(() -> List.of(RedisTestServer.binary().toString(), conf.toString(), "--sentinel"));
        Node node = new Node(name, port, launch(name, command));
        sentinels.add(node);
        Await.until(node + " to answer PING", Duration.ofSeconds(10), () -> pings(node));
    }

    private Process launch(String name, List<String> command) {
        try {
            return new ProcessBuilder(command)
                    .directory(folder(name).toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(folder(name).resolve("log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path folder(String name) {
        try {
            return Files.createDirectories(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean ready() {
        try (Jedis replica = servers.get(1).client()) {
            if (!replica.info("replication").contains("master_link_status:up")) {
                return false;
            }
        } catch (RuntimeException e) {
            return false;
        }
        for (Node s : sentinels) {
            try (Jedis j = s.client()) {
                if (j.sentinelReplicas(MASTER).size() != 1 || j.sentinelSentinels(MASTER).size() != sentinels.size() - 1) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    private static boolean pings(Node node) {
        try (Jedis j = node.client()) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return the primary the group started with */
    public Node firstPrimary() {
        return servers.get(0);
    }

    /** @return the replica the group started with */
    public Node firstReplica() {
        return servers.get(1);
    }

    /** @return the Sentinels */
    public List<Node> sentinels() {
        return List.copyOf(sentinels);
    }

    /** @return {@code host:port,host:port,host:port} for {@code REDIS_SENTINELS} */
    public String sentinelList() {
        return String.join(",", sentinels.stream().map(Node::address).toList());
    }

    /**
     * Tell every Sentinel to wait this long for a silent primary before it acts: a test that
     * needs a stretch with no primary at all (no failover yet) gets one at least this long, by
     * the Sentinels' own clocks, however slow the machine.
     *
     * @param downAfter the Sentinels' {@code down-after-milliseconds}
     */
    public void downAfter(Duration downAfter) {
        for (Node s : sentinels) {
            try (Jedis j = s.client()) {
                j.sentinelSet(MASTER, Map.of("down-after-milliseconds", String.valueOf(downAfter.toMillis())));
            }
        }
    }

    /**
     * @return the primary's address as the first Sentinel that answers names it, or "" if none does
     */
    public String namedPrimary() {
        for (Node s : sentinels) {
            if (!s.alive()) {
                continue;
            }
            try (Jedis j = s.client()) {
                List<String> a = j.sentinelGetMasterAddrByName(MASTER);
                return a.get(0) + ":" + a.get(1);
            } catch (RuntimeException e) {
                // next one
            }
        }
        return "";
    }

    /**
     * @return the data node (primary or replica) at the address the Sentinels name now
     */
    public Node currentPrimary() {
        String named = namedPrimary();
        return servers.stream().filter(n -> n.address().equals(named)).findFirst()
                .orElseThrow(() -> new AssertionError("the Sentinels name " + named + ", none of " + servers));
    }

    /**
     * Wait until the Sentinels name a primary other than {@code old} and it says it is a primary.
     *
     * @param old     the primary that failed
     * @param timeout deadline
     * @return the new primary
     */
    public Node awaitFailover(Node old, Duration timeout) {
        Await.until("the Sentinels to promote a primary other than " + old, timeout, () -> {
            String named = namedPrimary();
            if (named.isEmpty() || named.equals(old.address())) {
                return false;
            }
            try (Jedis j = currentPrimary().client()) {
                return j.info("replication").contains("role:master");
            } catch (RuntimeException e) {
                return false;
            }
        });
        return currentPrimary();
    }

    /**
     * Block until the replica has every write the primary acknowledged so far ({@code WAIT 1}).
     *
     * @param primary the primary
     */
    public static void awaitReplicated(Node primary) {
        try (Jedis j = primary.client()) {
            long acked = j.waitReplicas(1, 5000);
            if (acked < 1) {
                throw new AssertionError("no replica acknowledged " + primary + "'s writes within 5 s");
            }
        }
    }

    /** @return every process's log, for a failure message */
    public String logs() {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> logs = Files.walk(dir)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().equals("log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                out.append("== ").append(dir.relativize(log)).append('\n');
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> out.append(l).append('\n'));
            }
        } catch (IOException e) {
            out.append("(logs unreadable: ").append(e.getMessage()).append(")");
        }
        return out.toString();
    }

    /** Stop every process by its PID (SIGCONT first for a paused one), then remove the folder. */
    @Override
    public void close() {
        for (Node n : Stream.concat(sentinels.stream(), servers.stream()).toList()) {
            n.resume();
            n.kill();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }

    /** @return per-node process ids, for logs */
    public Map<String, Long> pids() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        Stream.concat(servers.stream(), sentinels.stream()).forEach(n -> m.put(n.name, n.process.pid()));
        return m;
    }
}
