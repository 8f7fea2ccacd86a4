import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A steady client for rotation checks: GET PATH at a fixed rate (open loop: a slow answer never
 * slows the schedule), each request on a new connection ({@code new}) or on a few kept-alive
 * connections that reconnect whenever the server closes them ({@code keepalive}). Every request
 * ends as a status or as a failure (refused, reset, closed without an answer, timed out), and
 * the replica that answered is read from the body ({@code "replica":"id"}), so the summary says
 * how many rotations it crossed.
 *
 * <pre>java bench/RateClient.java HOST PORT RATE SECONDS new|keepalive [CONNECTIONS] [PATH]</pre>
 * Prints a human summary, then one line {@code result sent=... ok=... failed=... statuses=...
 * errors=... replicas=... max_latency_ms=... max_gap_ms=...} for scripts and tests. Exits 0
 * whatever it saw: judging is the caller's job.
 */
public final class RateClient {
    private static final Pattern REPLICA = Pattern.compile("\"replica\":\"([^\"]+)\"");

    private final InetSocketAddress target;
    private final String host;
    private final String path;
    private final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final Map<String, Boolean> replicas = new ConcurrentHashMap<>();
    private final List<long[]> answers = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong maxLatency = new AtomicLong();

    private RateClient(String host, int port, String path) {
        this.target = new InetSocketAddress(host, port);
        this.host = host;
        this.path = path;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: java bench/RateClient.java HOST PORT RATE SECONDS new|keepalive [CONNECTIONS] [PATH]");
            System.exit(2);
        }
        double rate = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        boolean keepAlive = switch (args[4]) {
            case "new" -> false;
            case "keepalive" -> true;
            default -> throw new IllegalArgumentException("mode must be new or keepalive: " + args[4]);
        };
        int connections = args.length > 5 ? Integer.parseInt(args[5]) : 8;
        RateClient client = new RateClient(args[0], Integer.parseInt(args[1]), args.length > 6 ? args[6] : "/");
        long start = System.nanoTime();
        long total = (long) (rate * seconds);
        if (keepAlive) {
            client.keepAlive(rate, total, connections, start);
        } else {
            client.newConnections(rate, total, start);
        }
        client.report(args[4], rate, seconds);
    }

    private void newConnections(double rate, long total, long start) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (long i = 0; i < total; i++) {
            waitUntil(start + (long) (i * 1e9 / rate));
            threads.add(Thread.ofVirtual().start(() -> {
                try (Socket socket = connect()) {
                    exchange(socket, true);
                } catch (IOException e) {
                    failed(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private void keepAlive(double rate, long total, int connections, long start) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int lane = c;
            threads.add(Thread.ofVirtual().start(() -> {
                Socket socket = null;
                for (long i = lane; i < total; i += connections) {
                    waitUntil(start + (long) (i * 1e9 / rate));
                    try {
                        if (socket == null) {
                            socket = connect();
                        }
                        if (!exchange(socket, false)) {
                            socket.close();
                            socket = null;
                        }
                    } catch (IOException e) {
                        failed(e);
                        closeQuietly(socket);
                        socket = null;
                    }
                }
                closeQuietly(socket);
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(target, 5_000);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            sent.incrementAndGet();
            throw e;
        }
    }

    /** @return whether the connection may carry another request */
    private boolean exchange(Socket socket, boolean close) throws IOException {
        long t0 = System.nanoTime();
        sent.incrementAndGet();
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: rotor-rate-client\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        if (head == null) {
            throw new IOException("closed without an answer");
        }
        String statusLine = head.substring(0, head.indexOf("\r\n"));
        String status = statusLine.split(" ")[1];
        String lower = head.toLowerCase(Locale.ROOT);
        byte[] body = readBody(in, lower);
        long took = System.nanoTime() - t0;
        maxLatency.accumulateAndGet(took, Math::max);
        answers.add(new long[] {System.nanoTime()});
        statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
        Matcher m = REPLICA.matcher(new String(body, StandardCharsets.UTF_8));
        if (m.find()) {
            replicas.put(m.group(1), Boolean.TRUE);
        }
        return !close && !lower.contains("\r\nconnection: close");
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                return head.size() == 0 ? null : fail("response cut in its header");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String fail(String why) throws IOException {
        throw new IOException(why);
    }

    private static byte[] readBody(InputStream in, String lowerHead) throws IOException {
        Matcher length = Pattern.compile("\r\ncontent-length: *(\\d+)").matcher(lowerHead);
        if (length.find()) {
            byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
            if (body.length < Integer.parseInt(length.group(1))) {
                throw new IOException("response cut in its body");
            }
            return body;
        }
        if (lowerHead.contains("\r\ntransfer-encoding: chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) != '\n') {
                    if (b < 0) {
                        throw new IOException("response cut in its body");
                    }
                    line.append((char) b);
                }
                int size = Integer.parseInt(line.toString().trim().split(";")[0], 16);
                if (size == 0) {
                    in.readNBytes(2); // the empty line after the last chunk (no trailers expected)
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                in.readNBytes(2);
            }
        }
        return new byte[0];
    }

    private void failed(IOException e) {
        String kind;
        if (e instanceof java.net.ConnectException) {
            kind = "refused";
        } else if (e instanceof SocketTimeoutException) {
            kind = "timeout";
        } else if (e instanceof SocketException && e.getMessage() != null && e.getMessage().contains("reset")) {
            kind = "reset";
        } else if (e.getMessage() != null && e.getMessage().contains("without an answer")) {
            kind = "closed_unanswered";
        } else if (e.getMessage() != null && e.getMessage().contains("cut")) {
            kind = "cut";
        } else {
            kind = e.getClass().getSimpleName();
        }
        errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        // when, so that a failure can be matched with the server's log
        System.err.println("failed at " + java.time.Instant.now() + ": " + kind + " (" + e.getMessage() + ")");
    }

    private static void waitUntil(long due) {
        long now;
        while ((now = System.nanoTime()) < due) {
            LockSupport.parkNanos(due - now);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket that is gone
            }
        }
    }

    private void report(String mode, double rate, double seconds) {
        long ok = statuses.entrySet().stream().filter(e -> e.getKey().startsWith("2")).mapToLong(e -> e.getValue().get()).sum();
        long failed = sent.get() - ok;
        List<Long> times = new ArrayList<>();
        synchronized (answers) {
            answers.forEach(a -> times.add(a[0]));
        }
        Collections.sort(times);
        long maxGap = 0;
        // RATE_CLIENT_GAP_MS: print (stderr) when each longer gap began, to match with a server's log
        long showGap = Long.parseLong(System.getenv().getOrDefault("RATE_CLIENT_GAP_MS", "0")) * 1_000_000L;
        long wallOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        for (int i = 1; i < times.size(); i++) {
            long gap = times.get(i) - times.get(i - 1);
            maxGap = Math.max(maxGap, gap);
            if (showGap > 0 && gap >= showGap) {
                System.err.printf(Locale.ROOT, "gap of %.1f ms without an answer from %s%n", gap / 1e6,
                                  java.time.Instant.ofEpochMilli((times.get(i - 1) + wallOffset) / 1_000_000L));
            }
        }
        Map<String, Long> st = new TreeMap<>();
        statuses.forEach((k, v) -> st.put(k, v.get()));
        Map<String, Long> er = new TreeMap<>();
        errors.forEach((k, v) -> er.put(k, v.get()));
        System.out.printf(Locale.ROOT, "%s connections, %.0f/s for %.0f s: %d sent, %d answered 2xx, %d failed%n",
                          mode, rate, seconds, sent.get(), ok, failed);
        System.out.printf(Locale.ROOT, "  statuses %s, errors %s, replicas seen %d, longest answer %.1f ms, "
                                       + "longest time without an answer %.1f ms%n",
                          st, er, replicas.size(), maxLatency.get() / 1e6, maxGap / 1e6);
        System.out.printf(Locale.ROOT, "result sent=%d ok=%d failed=%d statuses=%s errors=%s replicas=%d max_latency_ms=%.1f "
                                       + "max_gap_ms=%.1f%n",
                          sent.get(), ok, failed, flat(st), flat(er), replicas.size(), maxLatency.get() / 1e6, maxGap / 1e6);
    }

    private static String flat(Map<String, Long> m) {
        return m.isEmpty() ? "-" : String.join(",", m.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList());
    }
}
