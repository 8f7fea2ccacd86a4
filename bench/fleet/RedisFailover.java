import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The {@code redis-failover} scenario: two replicas rotating under steady load on a Redis
 * primary, its replica and three Sentinels (real processes, {@code down-after-milliseconds}
 * 1000); the primary is killed (SIGKILL) in the middle of the run. Reported: failed requests,
 * time until a replica decides locally, until the Sentinels name a new primary, until every
 * replica runs on it with its circuit closed, until a session made on one replica reads on the
 * other, and how many sessions acknowledged before the kill the new primary lacks, with the
 * replication lag measured just before the kill.
 */
final class RedisFailover {
    static final String MASTER = "fleet";

    private RedisFailover() {
    }

    /** A session the writer made: when its 201 came, and its id. */
    record Made(double at, String id) {
    }

    static boolean run(Path out, StringBuilder md, int seconds) throws Exception {
        try (Group redis = Group.start()) {
            Map<String, String> e = Scenarios.env("ROTOR_MAX_REQUESTS", "1500", "ROTOR_MAX_REQUESTS_JITTER", "300",
                                                  "ROTOR_DRAIN_PERIOD", "PT2S", "ROTOR_EXIT_MODE", "exit",
                                                  "REDIS_SENTINELS", redis.sentinelList(), "REDIS_SENTINEL_MASTER", MASTER,
                                                  "ROTOR_RATE_LIMIT", "1000000/PT1M", "ROTOR_ROTATION_LEASE_RETRY", "PT0.2S");
            long third = seconds / 3;
            // kill, local decision seen, promoted, all on the new primary, sessions shared, first replica on it
            double[] at = {-1, -1, -1, -1, -1, -1};
            long[] lagBytes = {-1};
            String[] promoted = {""};
            List<Made> made = new CopyOnWriteArrayList<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            Run.Result r = Run.execute(new Run.Spec("redis-failover", 2, "compose", e, Scenarios.JVM, 8, 200,
                                                    Duration.ofSeconds(seconds), "250ms", 2, 0, Scenarios.CHEAP, run -> {
                // beside the load: one session every 20 ms through HAProxy, to count what the failover loses
                Thread writer = Thread.ofVirtual().start(() -> writeSessions(run.frontPort, made, writing));
                Harness.sleep(Duration.ofSeconds(third));
                lagBytes[0] = redis.lagBytes();
                redis.primary.destroyForcibly();
                at[0] = Harness.now();
                run.events.add(-1, "redis-primary-killed", "replication lag " + lagBytes[0] + " bytes");
                // a replica on its local fallback has its circuit open (or half-open, probing); read per
                // process, so a replica restarting for its rotation meanwhile does not hide it
                at[1] = until(third, () -> run.slots.stream().anyMatch(s -> Client.metric(s.port, "rotor_redis_circuit_state",
                                                                                            "state=\"CLOSED\"") == 0
                        && Client.metric(s.port, "rotor_redis_circuit_state", "state=") > 0));
                promoted[0] = redis.awaitNewPrimary(Duration.ofSeconds(third));
                at[2] = Harness.now();
                run.events.add(-1, "redis-primary-promoted", promoted[0]);
                at[5] = until(third, () -> run.slots.stream().anyMatch(s -> onPrimary(s.port, promoted[0])));
                // a replica restarting for its rotation meanwhile counts once it serves on the new primary
                at[3] = until(third, () -> run.slots.stream().allMatch(s -> onPrimary(s.port, promoted[0])));
                run.events.add(-1, "replicas-on-new-primary", "");
                at[4] = until(third, () -> sessionShared(run.slots.get(0).port, run.slots.get(1).port));
                run.events.add(-1, "sessions-shared-again", "");
                Harness.sleep(Duration.ofSeconds(2));
                writing.set(false);
                try {
                    writer.join();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }), out);
            writing.set(false);

            List<Made> before = made.stream().filter(m -> at[0] > 0 && m.at() < at[0]).toList();
            List<Made> lost = new ArrayList<>();
            try (Jedis j = redis.client(promoted[0])) {
                for (Made m : before) {
                    if (!j.exists("rotor:rotor:session:{" + m.id() + "}")) {
                        lost.add(m);
                    }
                }
            } catch (RuntimeException ex) {
                Harness.log("could not read sessions back from " + promoted[0] + ": " + ex);
            }
            Report.Summary s = r.summary();
            long fiveHundreds = s.byStatus().entrySet().stream().filter(x -> x.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
            double toLocal = at[1] - at[0];
            double toPromoted = at[2] - at[0];
            double toShared = at[3] - at[0];
            double toSessions = at[4] - at[0];
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("zero failed requests", Scenarios.check(s.failed() == 0) + " (" + s.failed() + ", 5xx " + fiveHundreds + ")");
            targets.put("a replica on its local fallback within 1 s of the kill", Scenarios.check(at[1] > 0 && toLocal <= 1)
                    + secs(toLocal));
            targets.put("Sentinels name a new primary", Scenarios.check(at[2] > 0) + secs(toPromoted));
            targets.put("first replica back on the new primary (its time on the local fallback)",
                        (at[5] > 0 ? "seen" : "NOT SEEN") + secs(at[5] - at[0]));
            targets.put("every replica on the new primary within 10 s", Scenarios.check(at[3] > 0 && toShared <= 10)
                    + secs(toShared));
            targets.put("a session made on one replica reads on the other within 10 s",
                        Scenarios.check(at[4] > 0 && toSessions <= 10) + secs(toSessions));
            targets.put("sessions acknowledged before the kill, lacking on the new primary",
                        lost.size() + " of " + before.size() + " (replication lag at the kill: " + lagBytes[0] + " bytes"
                                + (lost.isEmpty() ? "" : "; lost were made " + lost.stream()
                                .map(m -> String.format(Locale.ROOT, "%.0f ms", (at[0] - m.at()) * 1000)).toList()
                                + " before the kill") + ")");
            Scenarios.report(md, "redis-failover: primary SIGKILLed at " + third + " s of " + seconds + " s, 200 req/s, "
                    + "2 replicas rotating (quota 1500 ± 300), 1 replica + 3 Sentinels (down-after 1 s), "
                    + "a session made every 20 ms", s, targets);
            return s.failed() == 0 && at[3] > 0 && toShared <= 10 && at[4] > 0 && toSessions <= 10;
        }
    }

    private static String secs(double s) {
        return s < 0 ? " (not seen)" : String.format(Locale.ROOT, " (%.2f s)", s);
    }

    /** @return when the condition held (Harness time), or -1 if it did not within the limit */
    private static double until(long limitSeconds, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSeconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return Harness.now();
            }
            Harness.sleep(Duration.ofMillis(50));
        }
        return -1;
    }

    private static boolean onPrimary(int port, String address) {
        return Client.metric(port, "rotor_redis_node", "address=\"" + address + "\"") == 1
                && Client.metric(port, "rotor_redis_circuit_state", "state=\"CLOSED\"") == 1;
    }

    private static boolean sessionShared(int madeOn, int readOn) {
        try (Client c = new Client(madeOn)) {
            c.timeoutMillis = 2000;
            if (c.get("POST /api/sessions {}") != 201) {
                return false;
            }
            String id = id(c.body);
            try (Client other = new Client(readOn)) {
                other.timeoutMillis = 2000;
                return other.get("/api/sessions/" + id) == 200;
            }
        }
    }

    private static void writeSessions(int front, List<Made> made, AtomicBoolean writing) {
        try (Client c = new Client(front)) {
            c.timeoutMillis = 5000;
            while (writing.get()) {
                if (c.get("POST /api/sessions {}") == 201) {
                    made.add(new Made(Harness.now(), id(c.body)));
                }
                Harness.sleep(Duration.ofMillis(20));
            }
        }
    }

    private static String id(String body) {
        int k = body.indexOf("\"id\":\"") + 6;
        return body.substring(k, body.indexOf('"', k));
    }

    /** One primary, one replica, three Sentinels on free loopback ports, each in its own --dir, stopped by PID. */
    static final class Group implements AutoCloseable {
        final Path dir;
        final List<Process> processes = new ArrayList<>();
        final List<Integer> sentinelPorts = new ArrayList<>();
        Process primary;
        int primaryPort;
        int replicaPort;

        private Group(Path dir) {
            this.dir = dir;
        }

        static Group start() throws Exception {
            Group g = new Group(Files.createTempDirectory("fleet-sentinel-"));
            try {
                Path server = Scenarios.RedisProcess.binary();
                g.primaryPort = Harness.freePort();
                g.primary = g.launch("primary", List.of(server.toString(), "--port", String.valueOf(g.primaryPort)));
                g.replicaPort = Harness.freePort();
                g.launch("replica", List.of(server.toString(), "--port", String.valueOf(g.replicaPort),
                                            "--replicaof", "127.0.0.1", String.valueOf(g.primaryPort)));
                Path sentinel = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                        .map(d -> Path.of(d, "redis-sentinel")).filter(Files::isExecutable).findFirst()
                        .orElse(Path.of("/nonexistent"));
                for (int i = 0; i < 3; i++) {
                    int port = Harness.freePort();
                    Path folder = Files.createDirectories(g.dir.resolve("sentinel-" + i));
                    Path conf = folder.resolve("sentinel.conf");
                    Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\ndir " + folder + "\n"
                            + "sentinel monitor " + MASTER + " 127.0.0.1 " + g.primaryPort + " 2\n"
                            + "sentinel down-after-milliseconds " + MASTER + " 1000\n"
                            + "sentinel failover-timeout " + MASTER + " 5000\n");
                    g.launch("sentinel-" + i, Files.isExecutable(sentinel) ? List.of(sentinel.toString(), conf.toString())
                            : List.of(server.toString(), conf.toString(), "--sentinel"));
                    g.sentinelPorts.add(port);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!g.ready()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the Sentinel group never became ready; logs in " + g.dir);
                    }
                    Harness.sleep(Duration.ofMillis(100));
                }
                return g;
            } catch (Exception | Error e) {
                g.close();
                throw e;
            }
        }

        private Process launch(String name, List<String> command) throws IOException {
            Path folder = Files.createDirectories(dir.resolve(name));
            List<String> all = new ArrayList<>(command);
            if (!name.startsWith("sentinel")) {
                all.addAll(List.of("--bind", "127.0.0.1", "--dir", folder.toString(), "--save", "", "--appendonly", "no"));
            }
            Process p = new ProcessBuilder(all).directory(folder.toFile()).redirectErrorStream(true)
                    .redirectOutput(folder.resolve("log").toFile()).start();
            processes.add(p);
            return p;
        }

        private boolean ready() {
            try (Jedis replica = jedis(replicaPort)) {
                if (!replica.info("replication").contains("master_link_status:up")) {
                    return false;
                }
                for (int port : sentinelPorts) {
                    try (Jedis s = jedis(port)) {
                        if (s.sentinelReplicas(MASTER).size() != 1 || s.sentinelSentinels(MASTER).size() != 2) {
                            return false;
                        }
                    }
                }
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        String sentinelList() {
            return String.join(",", sentinelPorts.stream().map(p -> "127.0.0.1:" + p).toList());
        }

        /** @return bytes the replica lacked of the primary's stream, read from both just now */
        long lagBytes() {
            try (Jedis p = jedis(primaryPort); Jedis r = jedis(replicaPort)) {
                long master = field(p.info("replication"), "master_repl_offset");
                long replica = field(r.info("replication"), "slave_repl_offset");
                return Math.max(0, master - replica);
            } catch (RuntimeException e) {
                return -1;
            }
        }

        private static long field(String info, String name) {
            for (String line : info.split("\r\n")) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1).trim());
                }
            }
            throw new IllegalStateException(name + " missing from INFO");
        }

        /** @return the address the Sentinels name once it is not the first primary's */
        String awaitNewPrimary(Duration limit) {
            long deadline = System.nanoTime() + limit.toNanos();
            String old = "127.0.0.1:" + primaryPort;
            while (System.nanoTime() < deadline) {
                for (int port : sentinelPorts) {
                    try (Jedis s = jedis(port)) {
                        List<String> a = s.sentinelGetMasterAddrByName(MASTER);
                        String named = a.get(0) + ":" + a.get(1);
                        if (!named.equals(old)) {
                            return named;
                        }
                    } catch (RuntimeException e) {
                        // the next Sentinel
                    }
                }
                Harness.sleep(Duration.ofMillis(50));
            }
            return "";
        }

        Jedis client(String address) {
            int colon = address.lastIndexOf(':');
            return new Jedis(new HostAndPort(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                             DefaultJedisClientConfig.builder().timeoutMillis(2000).resp2().build());
        }

        /** RESP2 said explicitly: Jedis warns on every connection otherwise. */
        static Jedis jedis(int port) {
            return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder().timeoutMillis(1000).resp2().build());
        }

        @Override
        public void close() {
            for (Process p : processes) {
                p.destroyForcibly();
            }
            for (Process p : processes) {
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try (var all = Files.walk(dir)) {
                for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                Harness.log("left " + dir + ": " + e.getMessage());
            }
        }
    }
}
