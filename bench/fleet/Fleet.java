import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The fleet harness: N replicas of the built jar as local processes behind Debian's HAProxy
 * (routing on readiness, as the compose file does), each under a supervisor that plays the
 * orchestrator, a bounded load through HAProxy, and a record of every response, connection
 * error, latency, rotation, restart and each replica's RSS once a second.
 *
 * <pre>
 * bench/fleet/run steady            # or: quick steady-kubelet leak overload kubelet-backoff fleet-lease redis-outage upstream-hang
 * </pre>
 *
 * Supervisors:
 * <ul>
 *   <li>{@code compose}: restart the process about a second after it exits;</li>
 *   <li>{@code kubelet}: probe liveness with the period, failure threshold and timeout read from
 *       {@code k8s/} (defaults when absent), run the preStop pause, SIGTERM, SIGKILL after the
 *       termination grace period, and restart with Kubernetes' back-off (10 s doubling to 300 s,
 *       reset after 10 minutes up); in evict mode a deleted pod's replacement starts at once on
 *       the slot's second port, as a ReplicaSet's does.</li>
 * </ul>
 * Everything binds to 127.0.0.1; every loop is bounded in time; every process is stopped by PID.
 */
public final class Fleet {
    static final long T0 = System.nanoTime();
    static final PrintStream OUT = System.out;

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            OUT.println("usage: bench/fleet/run SCENARIO [--seconds N] [--out DIR]");
            OUT.println("scenarios: " + String.join(" ", Scenarios.NAMES));
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path out = Path.of(opts.getOrDefault("out", "target/fleet/" + args[0]));
        Files.createDirectories(out);
        boolean ok = Scenarios.run(args[0], out, opts);
        System.exit(ok ? 0 : 1);
    }

    static double now() {
        return (System.nanoTime() - T0) / 1e9;
    }

    static void log(String message) {
        OUT.printf(Locale.ROOT, "[%7.2fs] %s%n", now(), message);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One plain HTTP/1.1 GET on a new connection; status or -1. */
    static int probe(int port, String path, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                                              .getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return head.length >= 12 ? Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** @return one CRLF- or LF-terminated line without its terminator; null at end of stream */
    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = b.length();
                return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
            }
            b.append((char) c);
        }
        return b.isEmpty() ? null : b.toString();
    }

    /** Sum of the Prometheus samples whose line starts with {@code name} and contains every label given. */
    static double metric(int port, String name, String... labels) {
        double sum = 0;
        for (String line : get(port, "/observe/metrics").split("\n")) {
            if (!line.startsWith(name)) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** GET on a new connection; the body, or "" on failure. Reads by Content-Length, not to EOF. */
    static String get(int port, String path) {
        try (Client c = new Client(port)) {
            c.timeoutMillis = 1000;
            return c.get(path) == 200 ? c.body : "";
        }
    }

    // ------------------------------------------------------------------ events

    record Event(double t, int slot, String kind, String detail) {
    }

    static final List<Event> EVENTS = new CopyOnWriteArrayList<>();

    static void event(int slot, String kind, String detail) {
        EVENTS.add(new Event(now(), slot, kind, detail));
        log("replica " + slot + ": " + kind + (detail.isEmpty() ? "" : " (" + detail + ")"));
    }

    // ------------------------------------------------------------------ replicas

    /** The orchestrator's view of the probes and the pod's termination, read from k8s/. */
    record KubeletSpec(int livenessPeriod, int livenessFailures, int livenessTimeout, int preStopSeconds,
                       int gracePeriod) {
        static KubeletSpec defaults() {
            return new KubeletSpec(5, 3, 1, 5, 60);
        }
    }

    /**
     * One replica slot: the process in it changes as the supervisor restarts it. A slot with a
     * spare port is a ReplicaSet's place: an evicted pod's replacement starts at once on the
     * other port while the old pod terminates (both are HAProxy servers of the slot).
     */
    static final class Slot {
        final int index;
        final int[] ports;
        volatile int port;
        final Map<String, String> env;
        final List<String> jvm;
        final Path logDir;
        volatile Process process;
        volatile double startedAt;
        volatile String state = "GONE";
        final AtomicInteger generation = new AtomicInteger();
        final List<double[]> rss = new CopyOnWriteArrayList<>();
        volatile double peakRssMiB;
        /** Set by the Kubernetes API stand-in when this slot's pod asked to be evicted. */
        final AtomicBoolean evictionRequested = new AtomicBoolean();
        /** Evicted pods still terminating (preStop, SIGTERM, grace period) beside the new one. */
        final List<Process> terminating = new CopyOnWriteArrayList<>();

        /** @param spare a second port for a replacement pod, or 0 */
        Slot(int index, int port, int spare, Map<String, String> env, List<String> jvm, Path logDir) {
            this.index = index;
            this.ports = spare > 0 ? new int[] {port, spare} : new int[] {port};
            this.port = port;
            this.env = env;
            this.jvm = jvm;
            this.logDir = logDir;
        }

        void start() throws IOException {
            int gen = generation.incrementAndGet();
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvm);
            cmd.addAll(List.of("-jar", "target/rotor.jar"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("replica-" + index + ".log").toFile()));
            pb.environment().keySet().removeIf(k -> k.startsWith("ROTOR_") || k.equals("PORT") || k.equals("REDIS_URL"));
            pb.environment().putAll(env);
            pb.environment().put("PORT", String.valueOf(port));
            pb.environment().put("ROTOR_HOST", "127.0.0.1");
            pb.environment().put("ROTOR_REPLICA_ID", "r" + index + "g" + gen);
            pb.environment().put("POD_NAME", "fleet-" + index);
            pb.environment().put("POD_NAMESPACE", "fleet");
            process = pb.start();
            startedAt = now();
            event(index, "start", "pid " + process.pid() + ", generation " + gen);
        }

        /** Start the replacement pod on the other port; the current one is the caller's to terminate. */
        void startReplacement() throws IOException {
            terminating.add(process);
            port = port == ports[0] ? ports[ports.length - 1] : ports[0];
            start();
        }

        boolean alive() {
            Process p = process;
            return p != null && p.isAlive();
        }

        /** At the end of a run: the current process and any still terminating, by PID. */
        void killAll() {
            kill();
            terminating.forEach(Process::destroyForcibly);
        }

        void awaitAll() throws InterruptedException {
            if (process != null) {
                process.waitFor(5, TimeUnit.SECONDS);
            }
            for (Process p : terminating) {
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }

        /** SIGKILL the current process (an OOM kill, or the end of a run). */
        void kill() {
            Process p = process;
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** Restart on exit, about a second later (docker compose, restart: unless-stopped). */
    static void composeSupervisor(Slot slot, AtomicBoolean running) {
        while (running.get()) {
            Process p = slot.process;
            try {
                if (p != null && p.waitFor(200, TimeUnit.MILLISECONDS)) {
                    if (!running.get()) {
                        return;
                    }
                    event(slot.index, "exit", "status " + p.exitValue() + " after "
                            + String.format(Locale.ROOT, "%.1fs", now() - slot.startedAt));
                    sleep(Duration.ofSeconds(1));
                    if (running.get()) {
                        slot.start();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                event(slot.index, "start-failed", e.getMessage());
                return;
            }
        }
    }

    /**
     * Probe liveness; kill like the kubelet; restart with its back-off. An eviction (the pod
     * asked the API stand-in) is a graceful deletion instead: the ReplicaSet starts a new pod
     * at once, with no back-off, while the old one runs its preStop pause, gets SIGTERM, and
     * SIGKILL after the grace period.
     */
    static void kubeletSupervisor(Slot slot, AtomicBoolean running, KubeletSpec spec, List<double[]> backoffs) {
        int restarts = 0;
        while (running.get()) {
            int failures = 0;
            boolean exited = false;
            boolean evicted = false;
            long nextProbe = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.livenessPeriod());
            while (running.get() && failures < spec.livenessFailures()) {
                sleep(Duration.ofMillis(100));
                if (slot.evictionRequested.getAndSet(false)) {
                    evicted = true;
                    break;
                }
                if (!slot.alive()) {
                    exited = true;
                    break;
                }
                if (System.nanoTime() >= nextProbe) {
                    nextProbe += TimeUnit.SECONDS.toNanos(spec.livenessPeriod());
                    int status = probe(slot.port, "/observe/health/live", Duration.ofSeconds(spec.livenessTimeout()));
                    failures = status == 200 ? 0 : failures + 1;
                }
            }
            if (!running.get()) {
                return;
            }
            double ran = now() - slot.startedAt;
            if (evicted) {
                // (evictions come through the API stand-in, which runs only in evict mode, where
                // every slot has a spare port for the new pod)
                event(slot.index, "evicted", "graceful deletion; the ReplicaSet starts a new pod at once");
                Process old = slot.process;
                int generation = slot.generation.get();
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        stopPod(slot.index, old, spec);
                        if (!old.isAlive()) {
                            event(slot.index, "pod-exit", "generation " + generation + " status " + old.exitValue()
                                    + String.format(Locale.ROOT, " after %.1fs", ran));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        slot.terminating.remove(old);
                    }
                });
                try {
                    slot.startReplacement();
                } catch (IOException e) {
                    event(slot.index, "start-failed", e.getMessage());
                    return;
                }
                continue;
            }
            if (!exited) {
                event(slot.index, "liveness-failed", spec.livenessFailures() + " probes");
                try {
                    stopPod(slot.index, slot.process, spec);
                } catch (InterruptedException e) {
                    return;
                }
            }
            event(slot.index, "exit", "status " + slot.process.exitValue() + String.format(Locale.ROOT, " after %.1fs", ran));
            // a container restart: Kubernetes backs off 10 s doubling to 300 s, reset after 10 minutes up
            if (ran >= 600) {
                restarts = 0;
            }
            long delay = Math.min(300, 10L << Math.min(restarts, 5));
            restarts++;
            backoffs.add(new double[] {now(), slot.index, delay, ran});
            event(slot.index, "backoff", delay + "s before restart " + restarts);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
            while (running.get() && System.nanoTime() < until) {
                sleep(Duration.ofMillis(200));
            }
            if (!running.get()) {
                return;
            }
            try {
                slot.start();
            } catch (IOException e) {
                event(slot.index, "start-failed", e.getMessage());
                return;
            }
        }
    }

    /** The kubelet stopping a pod: preStop pause, SIGTERM, SIGKILL once the grace period is over. */
    static void stopPod(int slot, Process pod, KubeletSpec spec) throws InterruptedException {
        sleep(Duration.ofSeconds(spec.preStopSeconds()));
        pod.destroy();
        if (!pod.waitFor(spec.gracePeriod(), TimeUnit.SECONDS)) {
            event(slot, "sigkill", "pid " + pod.pid() + ": grace period " + spec.gracePeriod() + "s over");
            pod.destroyForcibly();
            pod.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A stand-in for the Kubernetes API's eviction endpoint, over HTTPS with its own CA, that
     * marks the pod's slot for graceful deletion. Sets the environment the replicas need.
     */
    static com.sun.net.httpserver.HttpsServer kubernetesApi(Path dir, List<Slot> slots, Map<String, String> env)
            throws Exception {
        Path keystore = dir.resolve("api.p12");
        Files.deleteIfExists(keystore);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        for (List<String> args : List.of(
                List.of("-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(), "-storetype",
                        "PKCS12", "-storepass", "changeit"),
                List.of("-exportcert", "-rfc", "-alias", "api", "-keystore", keystore.toString(), "-storepass", "changeit",
                        "-file", dir.resolve("ca.crt").toString()))) {
            List<String> cmd = new ArrayList<>(List.of(keytool.toString()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool failed");
            }
        }
        Files.writeString(dir.resolve("token"), "fleet-token\n");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, "changeit".toCharArray());
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer api = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        api.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ssl));
        api.createContext("/api/v1/namespaces/fleet/pods/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            var m = java.util.regex.Pattern.compile(".*/pods/fleet-(\\d+)/eviction").matcher(path);
            int status = 404;
            if (!"Bearer fleet-token".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
            } else if (m.matches() && Integer.parseInt(m.group(1)) < slots.size()) {
                slots.get(Integer.parseInt(m.group(1))).evictionRequested.set(true);
                status = 201;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        api.start();
        env.put("ROTOR_KUBERNETES_API", "https://127.0.0.1:" + api.getAddress().getPort());
        env.put("ROTOR_KUBERNETES_TOKEN_PATH", dir.resolve("token").toString());
        env.put("ROTOR_KUBERNETES_CA_PATH", dir.resolve("ca.crt").toString());
        return api;
    }

    /** Every 200 ms: each replica's state; every second: its RSS (and the memory limit, if any). */
    static void watch(List<Slot> slots, AtomicBoolean running, long memoryLimitMiB) {
        int tick = 0;
        while (running.get()) {
            for (Slot s : slots) {
                if (!s.alive()) {
                    s.state = "GONE";
                    continue;
                }
                String body = get(s.port, "/observe/replica");
                int i = body.indexOf("\"state\":\"");
                String state = i < 0 ? "STARTING" : body.substring(i + 9, body.indexOf('"', i + 9));
                if (!state.equals(s.state)) {
                    if (state.equals("DRAINING")) {
                        int c = body.indexOf("\"cause\":\"");
                        event(s.index, "draining", c < 0 ? "" : body.substring(c + 9, body.indexOf('"', c + 9)));
                    } else if (state.equals("SERVING")) {
                        event(s.index, "serving", String.format(Locale.ROOT, "%.2fs after start", now() - s.startedAt));
                    }
                    s.state = state;
                }
                if (tick % 5 == 0) {
                    double mib = rssMiB(s.process.pid());
                    if (mib > 0) {
                        s.rss.add(new double[] {now(), mib});
                        s.peakRssMiB = Math.max(s.peakRssMiB, mib);
                        if (memoryLimitMiB > 0 && mib > memoryLimitMiB) {
                            event(s.index, "oom-kill", String.format(Locale.ROOT, "RSS %.0f MiB over the %d MiB limit",
                                                                      mib, memoryLimitMiB));
                            s.kill();
                        }
                    }
                }
            }
            tick++;
            sleep(Duration.ofMillis(200));
        }
    }

    static double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    // ------------------------------------------------------------------ haproxy

    /** One backend of every slot, checked on {@code path} over HTTP/1.1. */
    private static void backend(StringBuilder cfg, String name, String path, List<Slot> slots, String inter, int fall) {
        cfg.append("""
                backend %s
                    balance roundrobin
                    http-check send meth GET uri %s ver HTTP/1.1 hdr Host localhost
                    http-check expect status 200
                    default-server check inter %s fall %d rise 1
                """.formatted(name, path, inter, fall));
        for (Slot s : slots) {
            for (int i = 0; i < s.ports.length; i++) {
                cfg.append("    server r").append(s.index).append(i == 0 ? "" : "b").append(" 127.0.0.1:")
                        .append(s.ports[i]).append('\n');
            }
        }
    }

    /** Debian's HAProxy in front of the slots, with active readiness checks. */
    static Process haproxy(Path dir, int port, List<Slot> slots, String inter, int fall) throws IOException {
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 4096
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 30s
                    timeout server 30s
                    retries 3
                    option redispatch
                    # a request that died on a connection the server closed is retried elsewhere
                    retry-on conn-failure empty-response
                    # Helidon 4 refuses HTTP/1.0, which a bare "option httpchk GET /path" sends
                    option httpchk
                frontend front
                    bind 127.0.0.1:%d
                    # ready replicas first; when none is ready (every replica draining at once),
                    # draining replicas still answer, so send the traffic to whichever is alive
                    use_backend ready if { nbsrv(ready) gt 0 }
                    default_backend alive
                """.formatted(port));
        backend(cfg, "ready", "/observe/health/ready", slots, inter, fall);
        backend(cfg, "alive", "/observe/health/live", slots, inter, fall);
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg.toString());
        return new ProcessBuilder("haproxy", "-db", "-f", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile())
                .start();
    }

    // ------------------------------------------------------------------ load

    /** What the load records: one row per request. */
    static final class Recorder {
        final int capacity;
        final float[] at;
        final int[] micros;
        final short[] status;
        final byte[] kind;
        final AtomicInteger next = new AtomicInteger();

        Recorder(int capacity) {
            this.capacity = capacity;
            at = new float[capacity];
            micros = new int[capacity];
            status = new short[capacity];
            kind = new byte[capacity];
        }

        void add(double t, long nanos, int code) {
            add(t, nanos, code, false);
        }

        /** @param post whether the request was a POST (the chat route in upstream-hang) */
        void add(double t, long nanos, int code, boolean post) {
            int i = next.getAndIncrement();
            if (i < capacity) {
                at[i] = (float) t;
                micros[i] = (int) Math.min(Integer.MAX_VALUE, nanos / 1000);
                status[i] = (short) code;
                kind[i] = (byte) (post ? 1 : 0);
            }
        }

        int size() {
            return Math.min(next.get(), capacity);
        }
    }

    /** A keep-alive HTTP/1.1 client on one socket, reconnecting when the server closes. No retries. */
    static final class Client implements AutoCloseable {
        final int port;
        Socket socket;
        InputStream in;
        OutputStream out;
        int timeoutMillis = 35_000;
        String body = "";

        Client(int port) {
            this.port = port;
        }

        /** @param path a path for a GET, or {@code "POST /path {json}"}; @return status, -1 connection error, -2 timeout */
        int get(String path) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    socket.setSoTimeout(timeoutMillis);
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream());
                    out = socket.getOutputStream();
                }
                if (path.startsWith("POST ")) {
                    // "POST /path {json}": a JSON body after the path
                    int space = path.indexOf(' ', 5);
                    byte[] json = path.substring(space + 1).getBytes(StandardCharsets.UTF_8);
                    out.write(("POST " + path.substring(5, space) + " HTTP/1.1\r\nHost: fleet\r\nContent-Type: application/json"
                            + "\r\nContent-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(json);
                } else {
                    out.write(("GET " + path + " HTTP/1.1\r\nHost: fleet\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                String statusLine = line();
                if (statusLine == null) {
                    throw new IOException("connection closed before the response");
                }
                int code = Integer.parseInt(statusLine.substring(9, 12));
                int length = 0;
                boolean close = false;
                String h;
                while ((h = line()) != null && !h.isEmpty()) {
                    String lower = h.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(lower.substring(15).trim());
                    } else if (lower.startsWith("connection:") && lower.contains("close")) {
                        close = true;
                    }
                }
                body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                if (close) {
                    close();
                }
                return code;
            } catch (SocketTimeoutException e) {
                close();
                return -2;
            } catch (IOException | RuntimeException e) {
                close();
                return -1;
            }
        }

        private String line() throws IOException {
            return readLine(in);
        }

        @Override
        public void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }

    /**
     * Closed-loop workers, paced to {@code rate} requests a second in all (0 = as fast as they can),
     * for {@code duration}. {@code pathFor} picks each request's path.
     */
    static void load(int port, int workers, double rate, Duration duration, Recorder recorder,
                     java.util.function.IntFunction<String> pathFor) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong sequence = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(Thread.ofVirtual().start(() -> {
                long interval = rate > 0 ? (long) (1e9 * workers / rate) : 0;
                long next = System.nanoTime() + (interval * worker / Math.max(1, workers));
                try (Client client = new Client(port)) {
                    while (System.nanoTime() < end) {
                        if (interval > 0) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                sleep(Duration.ofNanos(wait));
                            }
                            next += interval;
                        }
                        String path = pathFor.apply((int) sequence.incrementAndGet());
                        long start = System.nanoTime();
                        int code = client.get(path);
                        recorder.add((start - T0) / 1e9, System.nanoTime() - start, code, path.startsWith("POST "));
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    // ------------------------------------------------------------------ analysis

    static double percentile(int[] sorted, int n, double p) {
        if (n == 0) {
            return 0;
        }
        return sorted[Math.min(n - 1, (int) Math.ceil(p * n) - 1 < 0 ? 0 : (int) Math.ceil(p * n) - 1)] / 1000.0;
    }

    static final long WALL_T0 = System.currentTimeMillis() - (System.nanoTime() - T0) / 1_000_000;
    static volatile Path logDir;

    /**
     * Drain starts and "serving" moments as the replicas logged them (wall clock, millisecond
     * precision), which is exact where the watcher's polling could lag on a busy machine.
     */
    static List<Event> logEvents() {
        List<Event> events = new ArrayList<>();
        if (logDir == null) {
            return events;
        }
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) .*replica r(\\d+)g(\\d+) (.*)$");
        try (var files = Files.list(logDir)) {
            for (Path f : files.filter(x -> x.getFileName().toString().startsWith("replica-")).toList()) {
                for (String l : Files.readAllLines(f)) {
                    var m = line.matcher(l);
                    if (!m.matches()) {
                        continue;
                    }
                    long wall = java.time.LocalDateTime.parse(m.group(1)).atZone(java.time.ZoneId.systemDefault())
                            .toInstant().toEpochMilli();
                    double t = (wall - WALL_T0) / 1000.0;
                    int slot = Integer.parseInt(m.group(2));
                    String generation = "generation " + m.group(3);
                    if (m.group(4).contains("draining: readiness down")) {
                        events.add(new Event(t, slot, "draining", generation));
                    } else if (m.group(4).startsWith("serving ")) {
                        events.add(new Event(t, slot, "serving", generation));
                    }
                }
            }
        } catch (IOException e) {
            log("cannot read replica logs: " + e.getMessage());
        }
        events.sort(java.util.Comparator.comparingDouble(Event::t));
        return events;
    }

    /** Windows in which some replica was rotating: from its drain to its replacement serving. */
    static List<double[]> rotationWindows() {
        List<double[]> windows = new ArrayList<>();
        Map<Integer, Double> open = new HashMap<>();
        for (Event e : logEvents()) {
            if (e.kind().equals("draining")) {
                open.putIfAbsent(e.slot(), e.t());
            } else if (e.kind().equals("serving") && open.containsKey(e.slot())) {
                windows.add(new double[] {open.remove(e.slot()), e.t()});
            }
        }
        open.values().forEach(start -> windows.add(new double[] {start, Double.MAX_VALUE}));
        return windows;
    }

    static boolean inside(List<double[]> windows, double t) {
        for (double[] w : windows) {
            if (t >= w[0] && t <= w[1]) {
                return true;
            }
        }
        return false;
    }

    /** Summary numbers of one run. */
    record Summary(int requests, Map<Integer, Integer> byStatus, int failed, int connectionErrors, int rotations,
                   int restarts, double p50, double p99, double max, double p99During, double p99Between,
                   double p99Rejected, double p99Admitted, int maxDrainingAtOnce, double secondsWithNoneReady,
                   double meanReady) {
    }

    static Summary summarize(Recorder r) {
        return summarize(r, 0);
    }

    /** @param from the first moment (seconds on {@link #now()}'s clock) whose requests count, after a warm-up */
    static Summary summarize(Recorder r, double from) {
        int n = r.size();
        Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
        List<double[]> windows = rotationWindows();
        int[] all = new int[n];
        int[] during = new int[n];
        int[] between = new int[n];
        int[] rejected = new int[n];
        int[] admitted = new int[n];
        int nd = 0;
        int nb = 0;
        int nr = 0;
        int na = 0;
        int failed = 0;
        int errors = 0;
        int counted = 0;
        for (int i = 0; i < n; i++) {
            if (r.at[i] < from) {
                continue;
            }
            counted++;
            int code = r.status[i];
            byStatus.merge(code, 1, Integer::sum);
            if (code < 0) {
                errors++;
            }
            if (code < 200 || (code >= 300 && code != 429)) {
                failed++;
            }
            all[counted - 1] = r.micros[i];
            if (code == 503 || code == 429) {
                rejected[nr++] = r.micros[i];
            } else if (code >= 200 && code < 300) {
                admitted[na++] = r.micros[i];
            }
            if (inside(windows, r.at[i])) {
                during[nd++] = r.micros[i];
            } else {
                between[nb++] = r.micros[i];
            }
        }
        Arrays.sort(all, 0, counted);
        Arrays.sort(during, 0, nd);
        Arrays.sort(between, 0, nb);
        Arrays.sort(rejected, 0, nr);
        Arrays.sort(admitted, 0, na);
        int rotations = (int) logEvents().stream().filter(e -> e.kind().equals("draining")).count();
        int restarts = (int) EVENTS.stream().filter(e -> e.kind().equals("start")).count() - slotsStarted;
        return new Summary(counted, byStatus, failed, errors, rotations, Math.max(0, restarts),
                           percentile(all, counted, 0.5), percentile(all, counted, 0.99),
                           counted == 0 ? 0 : all[counted - 1] / 1000.0,
                           percentile(during, nd, 0.99), percentile(between, nb, 0.99),
                           percentile(rejected, nr, 0.99), percentile(admitted, na, 0.99), maxDrainingAtOnce(),
                           readiness()[0], readiness()[1]);
    }

    static int slotCount;
    static double loadStart;
    static double loadEnd;

    /** @return {seconds with no replica ready, mean ready replicas} over the load, from the replicas' logs */
    static double[] readiness() {
        Map<Integer, Boolean> ready = new HashMap<>();
        for (int i = 0; i < slotCount; i++) {
            ready.put(i, true);
        }
        double none = 0;
        double weighted = 0;
        double last = loadStart;
        List<Event> events = new ArrayList<>(logEvents());
        EVENTS.stream().filter(e -> e.kind().equals("exit") || e.kind().equals("oom-kill")).forEach(events::add);
        events.sort(java.util.Comparator.comparingDouble(Event::t));
        for (Event e : events) {
            double t = Math.min(Math.max(e.t(), loadStart), loadEnd);
            long count = ready.values().stream().filter(b -> b).count();
            weighted += count * (t - last);
            if (count == 0) {
                none += t - last;
            }
            last = t;
            if (e.slot() >= 0) {
                ready.put(e.slot(), e.kind().equals("serving"));
            }
        }
        long count = ready.values().stream().filter(b -> b).count();
        weighted += count * (loadEnd - last);
        if (count == 0) {
            none += loadEnd - last;
        }
        return new double[] {none, weighted / Math.max(1e-9, loadEnd - loadStart)};
    }

    static int slotsStarted;
    /** HAProxy's port during a run, for scenarios that prepare data through it. */
    static volatile int frontPort;

    /** Pods draining at once: from a pod's drain to its exit (an evicted pod's may follow its replacement's start). */
    static int maxDrainingAtOnce() {
        java.util.Set<String> draining = new java.util.HashSet<>();
        int max = 0;
        List<Event> all = new ArrayList<>(logEvents());
        EVENTS.stream().filter(e -> e.kind().equals("exit") || e.kind().equals("pod-exit")
                || e.kind().equals("liveness-failed")).forEach(all::add);
        all.sort(java.util.Comparator.comparingDouble(Event::t));
        for (Event e : all) {
            String generation = e.detail().replaceFirst("^(generation \\d+).*", "$1");
            switch (e.kind()) {
                case "draining" -> draining.add(e.slot() + " " + generation);
                case "pod-exit" -> draining.remove(e.slot() + " " + generation);
                // the slot's one process ended (compose, or a container restart in the same pod)
                case "exit", "liveness-failed" -> draining.removeIf(k -> k.startsWith(e.slot() + " "));
                default -> { }
            }
            max = Math.max(max, draining.size());
        }
        return max;
    }

    static String table(String title, Map<String, String> rows) {
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(10);
        StringBuilder b = new StringBuilder("\n" + title + "\n");
        rows.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", k, v)));
        return b.toString();
    }

    static Map<String, String> rows(Summary s) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("requests", String.valueOf(s.requests()));
        rows.put("responses by status", s.byStatus().toString().replace("-1=", "conn-error=").replace("-2=", "timeout="));
        rows.put("failed (non-2xx but 429, conn errors)", String.valueOf(s.failed()));
        rows.put("rotations (drains seen)", String.valueOf(s.rotations()));
        rows.put("restarts", String.valueOf(s.restarts()));
        rows.put("latency p50 / p99 / max (ms)", String.format(Locale.ROOT, "%.2f / %.2f / %.2f", s.p50(), s.p99(), s.max()));
        rows.put("p99 during rotations / between (ms)", String.format(Locale.ROOT, "%.2f / %.2f", s.p99During(), s.p99Between()));
        rows.put("most replicas draining at once (drain to exit)", String.valueOf(s.maxDrainingAtOnce()));
        rows.put("mean ready replicas / seconds with none ready", String.format(Locale.ROOT, "%.2f / %.1f",
                                                                                   s.meanReady(), s.secondsWithNoneReady()));
        return rows;
    }

    // ------------------------------------------------------------------ plots (SVG, no tool needed)

    static void plotRss(Path file, String title, List<Slot> slots, double seconds, long limitMiB) throws IOException {
        double maxY = Math.max(limitMiB * 1.1, slots.stream().mapToDouble(s -> s.peakRssMiB).max().orElse(100) * 1.1);
        Svg svg = new Svg(title, seconds, maxY, "seconds", "RSS (MiB)");
        String[] colours = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
        for (Slot s : slots) {
            svg.line(s.rss, colours[s.index % colours.length], "replica " + s.index);
        }
        List<Event> marks = new ArrayList<>(logEvents());
        marks.addAll(EVENTS.stream().filter(e -> e.kind().equals("oom-kill")).toList());
        for (Event e : marks) {
            if (e.kind().equals("draining") || e.kind().equals("oom-kill")) {
                svg.marker(e.t(), colours[e.slot() % colours.length], e.kind().equals("oom-kill") ? "OOM" : "");
            }
        }
        if (limitMiB > 0) {
            svg.hline(limitMiB, "#000000", "memory limit " + limitMiB + " MiB");
        }
        Files.writeString(file, svg.toString());
    }

    static void plotLatency(Path file, String title, Recorder r, double seconds) throws IOException {
        int buckets = (int) Math.ceil(seconds) + 1;
        List<List<Integer>> perSecond = new ArrayList<>();
        for (int i = 0; i < buckets; i++) {
            perSecond.add(new ArrayList<>());
        }
        double start = r.size() == 0 ? 0 : r.at[0];
        for (int i = 0; i < r.size(); i++) {
            int b = (int) (r.at[i] - start);
            if (b >= 0 && b < buckets) {
                perSecond.get(b).add(r.micros[i]);
            }
        }
        List<double[]> p50 = new ArrayList<>();
        List<double[]> p99 = new ArrayList<>();
        double maxY = 1;
        for (int i = 0; i < buckets; i++) {
            List<Integer> l = perSecond.get(i);
            if (l.isEmpty()) {
                continue;
            }
            Collections.sort(l);
            double a = l.get(Math.max(0, (int) Math.ceil(0.5 * l.size()) - 1)) / 1000.0;
            double b = l.get(Math.max(0, (int) Math.ceil(0.99 * l.size()) - 1)) / 1000.0;
            p50.add(new double[] {start + i, a});
            p99.add(new double[] {start + i, b});
            maxY = Math.max(maxY, b);
        }
        Svg svg = new Svg(title, start + seconds, maxY * 1.1, "seconds", "latency (ms)");
        svg.line(p50, "#1f77b4", "p50 per second");
        svg.line(p99, "#d62728", "p99 per second");
        for (Event e : logEvents()) {
            if (e.kind().equals("draining")) {
                svg.marker(e.t(), "#999999", "");
            }
        }
        Files.writeString(file, svg.toString());
    }

    /** A minimal line chart. */
    static final class Svg {
        static final int W = 900;
        static final int H = 420;
        static final int L = 70;
        static final int R = 20;
        static final int T = 40;
        static final int B = 50;
        final double maxX;
        final double maxY;
        final StringBuilder body = new StringBuilder();
        final List<String> legend = new ArrayList<>();

        Svg(String title, double maxX, double maxY, String xLabel, String yLabel) {
            this.maxX = Math.max(1, maxX);
            this.maxY = Math.max(1e-9, maxY);
            body.append(String.format(Locale.ROOT, "<text x='%d' y='24' font-size='16'>%s</text>", L, esc(title)));
            body.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>",
                                      L, T, W - L - R, H - T - B));
            for (int i = 0; i <= 5; i++) {
                double y = maxY * i / 5;
                body.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%.0f</text>",
                                          L - 6, py(y) + 4, y));
                double x = this.maxX * i / 5;
                body.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%.0f</text>",
                                          px(x), H - B + 16, x));
            }
            body.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12' text-anchor='middle'>%s</text>",
                                      (W + L) / 2, H - 10, esc(xLabel)));
            body.append(String.format(Locale.ROOT, "<text x='16' y='%d' font-size='12' transform='rotate(-90 16 %d)' "
                                              + "text-anchor='middle'>%s</text>", (H) / 2, H / 2, esc(yLabel)));
        }

        double px(double x) {
            return L + (W - L - R) * x / maxX;
        }

        double py(double y) {
            return H - B - (H - T - B) * Math.min(y, maxY) / maxY;
        }

        void line(List<double[]> points, String colour, String label) {
            if (points.isEmpty()) {
                return;
            }
            StringBuilder d = new StringBuilder();
            for (double[] p : points) {
                d.append(d.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px(p[0]), py(p[1])));
            }
            body.append("<path d='").append(d).append("' fill='none' stroke='").append(colour).append("' stroke-width='1.5'/>");
            legend.add("<tspan fill='" + colour + "'>" + esc(label) + "</tspan>");
        }

        void marker(double x, String colour, String label) {
            body.append(String.format(Locale.ROOT, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='%s' stroke-dasharray='3 3' "
                                              + "stroke-width='0.8'/>", px(x), px(x), T, H - B, colour));
            if (!label.isEmpty()) {
                body.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='10' fill='%s'>%s</text>",
                                          px(x) + 2, T + 12, colour, esc(label)));
            }
        }

        void hline(double y, String colour, String label) {
            body.append(String.format(Locale.ROOT, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='%s' stroke-width='1.2'/>",
                                      L, W - R, py(y), py(y), colour));
            legend.add("<tspan fill='" + colour + "'>" + esc(label) + "</tspan>");
        }

        static String esc(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;");
        }

        @Override
        public String toString() {
            return "<svg xmlns='http://www.w3.org/2000/svg' width='" + W + "' height='" + H + "' font-family='sans-serif'>"
                    + "<rect width='100%' height='100%' fill='white'/>" + body
                    + "<text x='" + (L + 8) + "' y='" + (T + 16) + "' font-size='12'>" + String.join("   ", legend)
                    + "</text></svg>\n";
        }
    }

    // ------------------------------------------------------------------ a run

    /** Everything one run needs. */
    record RunSpec(String title, int replicas, String supervisor, Map<String, String> env, List<String> jvm,
                   int workers, double rate, Duration duration, String inter, int fall, long memoryLimitMiB,
                   java.util.function.IntFunction<String> paths, Consumer<List<Slot>> during) {
    }

    /** Result of one run. */
    record RunResult(Summary summary, List<Slot> slots, Recorder recorder, List<double[]> backoffs,
                     List<Event> events, double seconds) {
    }

    static RunResult run(RunSpec spec, Path out) throws Exception {
        EVENTS.clear();
        Files.createDirectories(out);
        logDir = out;
        try (var old = Files.list(out)) {
            for (Path f : old.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.delete(f);
            }
        }
        List<Slot> slots = new ArrayList<>();
        Map<String, String> env = new HashMap<>(spec.env());
        // under the kubelet, an evicting replica's replacement is a new pod: a second port per slot
        boolean replicaSet = spec.supervisor().equals("kubelet") && "evict".equals(env.get("ROTOR_EXIT_MODE"));
        for (int i = 0; i < spec.replicas(); i++) {
            slots.add(new Slot(i, freePort(), replicaSet ? freePort() : 0, env, spec.jvm(), out));
        }
        com.sun.net.httpserver.HttpsServer api = "evict".equals(env.get("ROTOR_EXIT_MODE"))
                ? kubernetesApi(out, slots, env) : null;
        AtomicBoolean running = new AtomicBoolean(true);
        int front = freePort();
        Process haproxy = haproxy(out, front, slots, spec.inter(), spec.fall());
        List<Thread> background = new ArrayList<>();
        List<double[]> backoffs = new CopyOnWriteArrayList<>();
        Recorder recorder = new Recorder((int) Math.min(20_000_000, Math.max(100_000,
                spec.rate() > 0 ? spec.rate() * spec.duration().toSeconds() * 2 : 40_000L * spec.duration().toSeconds())));
        try {
            for (Slot s : slots) {
                s.start();
            }
            slotsStarted = slots.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Slot s : slots) {
                while (probe(s.port, "/observe/health/ready", Duration.ofSeconds(1)) != 200) {
                    if (System.nanoTime() > deadline || !s.alive()) {
                        throw new IllegalStateException("replica " + s.index + " never became ready; see "
                                                                + out.resolve("replica-" + s.index + ".log"));
                    }
                    sleep(Duration.ofMillis(50));
                }
            }
            KubeletSpec kubelet = spec.supervisor().equals("kubelet") ? Manifests.kubeletSpec() : null;
            for (Slot s : slots) {
                background.add(Thread.ofPlatform().daemon().start(
                        kubelet == null ? () -> composeSupervisor(s, running)
                                        : () -> kubeletSupervisor(s, running, kubelet, backoffs)));
            }
            background.add(Thread.ofPlatform().daemon().start(() -> watch(slots, running, spec.memoryLimitMiB())));
            while (probe(front, "/observe/health/ready", Duration.ofSeconds(1)) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("HAProxy never routed; see " + out.resolve("haproxy.log"));
                }
                sleep(Duration.ofMillis(50));
            }
            // HAProxy starts every server UP; the spare ports (no pod yet) go DOWN at their first check
            for (Slot s : slots) {
                for (String backend : List.of("ready", "alive")) {
                    String down = "Server " + backend + "/r" + s.index + "b is DOWN";
                    while (s.ports.length > 1 && !Files.readString(out.resolve("haproxy.log")).contains(down)) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("HAProxy never saw the spare port down; see "
                                                                    + out.resolve("haproxy.log"));
                        }
                        sleep(Duration.ofMillis(50));
                    }
                }
            }
            frontPort = front;
            log("load: " + spec.workers() + " workers, " + (spec.rate() > 0 ? spec.rate() + " req/s" : "unpaced")
                        + ", " + spec.duration().toSeconds() + " s through HAProxy on port " + front);
            double started = now();
            slotCount = slots.size();
            loadStart = started;
            if (spec.during() != null) {
                background.add(Thread.ofPlatform().daemon().start(() -> spec.during().accept(slots)));
            }
            load(front, spec.workers(), spec.rate(), spec.duration(), recorder, spec.paths());
            double seconds = now() - started;
            loadEnd = now();
            running.set(false);
            Summary summary = summarize(recorder);
            return new RunResult(summary, slots, recorder, backoffs, List.copyOf(EVENTS), seconds);
        } finally {
            running.set(false);
            for (Slot s : slots) {
                s.killAll();
            }
            haproxy.destroy();
            haproxy.waitFor(5, TimeUnit.SECONDS);
            if (api != null) {
                api.stop(0);
            }
            for (Slot s : slots) {
                s.awaitAll();
            }
        }
    }
}
