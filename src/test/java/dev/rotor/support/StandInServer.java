package dev.rotor.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A small real HTTP/1.1 server on loopback that stands in for an upstream (chat, geo-IP,
 * CloudWatch). Written on a plain {@link ServerSocket} so that the test can count accepted
 * and concurrently open connections, and make a reply slow, malformed or a connection reset.
 * Keep-alive is honoured as a real server would.
 */
public final class StandInServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Function<Request, Reply> handler;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /**
     * What arrived.
     *
     * @param method  method
     * @param path    path and query
     * @param headers headers, names lower-cased
     * @param body    body as text
     */
    public record Request(String method, String path, Map<String, String> headers, String body) {
    }

    /**
     * What to do.
     *
     * @param status  status (ignored when {@code reset})
     * @param headers extra headers
     * @param body    body
     * @param delay   wait before answering
     * @param reset   close the connection with a TCP reset instead of answering
     */
    public record Reply(int status, Map<String, String> headers, String body, Duration delay, boolean reset) {
        /**
         * @param status status
         * @param body   JSON body
         * @return the reply
         */
        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO, false);
        }

        /** @return a TCP reset */
        public static Reply resetConnection() {
            return new Reply(0, Map.of(), "", Duration.ZERO, true);
        }

        /**
         * @param d wait before answering
         * @return this reply, later
         */
        public Reply after(Duration d) {
            return new Reply(status, headers, body, d, reset);
        }

        /**
         * @param name  header
         * @param value value
         * @return this reply with the header
         */
        public Reply with(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, h, body, delay, reset);
        }
    }

    private StandInServer(Function<Request, Reply> handler) throws IOException {
        this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.handler = handler;
        this.acceptor = Thread.ofPlatform().daemon().name("stand-in-accept").start(this::acceptLoop);
    }

    /**
     * @param handler decides each reply
     * @return a started server
     */
    public static StandInServer start(Function<Request, Reply> handler) {
        try {
            return new StandInServer(handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code http://127.0.0.1:port} */
    public String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    /** @return connections accepted so far */
    public int accepted() {
        return accepted.get();
    }

    /** @return most connections open at the same time, as seen whenever a request arrived */
    public int peakOpen() {
        return peakOpen.get();
    }

    /** @return requests received so far */
    public List<Request> requests() {
        return requests;
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                sockets.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                Request req = read(in);
                if (req == null) {
                    return;
                }
                requests.add(req);
                // sampled when a request arrives, from the kernel where it can: a client that
                // closes an idle connection and opens another may be served before this server
                // has read the old one's end, which would count a connection the client no
                // longer has; the kernel has already moved that one out of ESTABLISHED
                peakOpen.accumulateAndGet(established().orElse(open.get()), Math::max);
                Reply reply = handler.apply(req);
                if (!reply.delay().isZero()) {
                    Thread.sleep(reply.delay());
                }
                if (reply.reset()) {
                    s.setSoLinger(true, 0);
                    return;
                }
                byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
                StringBuilder head = new StringBuilder("HTTP/1.1 " + reply.status() + " Stand-in\r\n");
                head.append("Content-Length: ").append(body.length).append("\r\n");
                reply.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
                out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                if ("close".equalsIgnoreCase(req.headers().get("connection"))) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away, or the server is closing
        } finally {
            open.decrementAndGet();
            sockets.remove(s);
        }
    }

    /** @return this server's connections in TCP state ESTABLISHED (Linux), if the kernel says */
    private java.util.OptionalInt established() {
        String port = String.format(Locale.ROOT, ":%04X", socket.getLocalPort());
        int count = 0;
        try {
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                java.nio.file.Path file = java.nio.file.Path.of(table);
                if (!java.nio.file.Files.isReadable(file)) {
                    if (table.endsWith("6")) {
                        continue; // no IPv6 here
                    }
                    return java.util.OptionalInt.empty(); // not Linux
                }
                for (String row : java.nio.file.Files.readAllLines(file)) {
                    String[] f = row.trim().split("\\s+");
                    // local address, remote address, state (01 = ESTABLISHED)
                    if (f.length > 3 && f[1].endsWith(port) && f[3].equals("01")) {
                        count++;
                    }
                }
            }
            return java.util.OptionalInt.of(count);
        } catch (IOException | RuntimeException e) {
            return java.util.OptionalInt.empty();
        }
    }

    private static Request read(InputStream in) throws IOException {
        String line = line(in);
        if (line == null || line.isEmpty()) {
            return null;
        }
        String[] parts = line.split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        String h;
        while ((h = line(in)) != null && !h.isEmpty()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            int size;
            while ((size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0) {
                body.write(in.readNBytes(size));
                line(in);
            }
            line(in);
        }
        byte[] raw = body.toByteArray();
        if ("gzip".equalsIgnoreCase(headers.get("content-encoding"))) {
            raw = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(raw)).readAllBytes();
        }
        return new Request(parts[0], parts.length > 1 ? parts[1] : "", headers, new String(raw, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
