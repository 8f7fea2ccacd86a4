package dev.rotor.diagnostics;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A fresh replica's warm-up: before its readiness turns 200 (so before the load balancer sends
 * it anything), it sends itself {@code rotor.warmup.requests} keep-alive requests for its
 * status ({@value #PATH}) over loopback, through its own listener, parser and routing.
 *
 * <p>Why: a replica lives ~800 requests, and on two cores its JIT is still compiling when
 * readiness comes (~1,400 of the methods the AOT cache's training run compiled). The compiler
 * takes the task whose method was called most first, so the request path, called only by the
 * first requests, waited behind startup code that never runs again, and the p99 of a fresh
 * replica's first 800 requests was 1.5-2x the warm p99, sometimes more. 300 calls through the
 * listener, parser, filters and routing put those methods first: with the warm-up the p99 of
 * the first 800 measured a median of 0.96-1.60x the warm p99 over five runs, and at most 2x in
 * 78 of 80 starts ({@code bench/warmup}, docs/benchmarks.md).
 * It costs readiness 0.12-0.28 s; the first response on a public route is not delayed (public
 * requests are served while the replica starts).
 *
 * <p>Nothing else sees these requests: {@code /observe} never counts toward the quota, is never
 * rate limited and is never in the access log. The warm-up never holds readiness past its
 * timeout, and any failure (a refused connection, a status other than 200) ends it early: the
 * replica then serves as it would have without one.
 */
public final class WarmUp {
    /** What the warm-up asks for: the replica's status, on the socket that serves {@code /observe}. */
    public static final String PATH = "/observe/replica";
    private static final int MAX_LINE = 8192;
    private static final String REQUEST_HEAD = "GET " + PATH + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: rotor-warmup\r\n";

    private WarmUp() {
    }

    /**
     * What a warm-up did.
     *
     * @param answered   requests answered 200
     * @param took       how long it took
     * @param finishedAt when it ended
     * @param stopped    why it ended before its count, if it did
     */
    public record Result(int answered, Duration took, Instant finishedAt, Optional<String> stopped) {
    }

    /**
     * @param config how many requests, and the bound on them all
     * @param target the replica's own {@code /observe} listener
     * @return what was done; never throws for a failed exchange
     */
    public static Result run(WarmUpConfig config, InetSocketAddress target) {
        return run(config, target, Optional.empty());
    }

    /**
     * @param config        how many requests, and the bound on them all
     * @param target        the replica's own {@code /observe} listener
     * @param authorization the Authorization header's value where the operator token guards
     *                      {@code /observe/replica}
     * @return what was done; never throws for a failed exchange
     */
    public static Result run(WarmUpConfig config, InetSocketAddress target, Optional<String> authorization) {
        byte[] request = (REQUEST_HEAD + authorization.map(a -> "Authorization: " + a + "\r\n").orElse("") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long start = System.nanoTime();
        long deadline = start + config.timeout().toNanos();
        int answered = 0;
        Socket socket = null;
        try {
            InputStream in = null;
            OutputStream out = null;
            while (answered < config.requests()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return result(answered, start, "its timeout of " + config.timeout() + " passed");
                }
                int millis = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000); // at least 1, rounded up
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(target, millis);
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream());
                    out = socket.getOutputStream();
                }
                socket.setSoTimeout(millis);
                out.write(request);
                out.flush();
                Response response = read(in);
                if (response.status() != 200) {
                    return result(answered, start, "status " + response.status());
                }
                answered++;
                if (!response.keepAlive()) {
                    socket.close();
                    socket = null;
                }
            }
            return result(answered, start, null);
        } catch (SocketTimeoutException e) {
            return result(answered, start, "its timeout of " + config.timeout() + " passed");
        } catch (IOException e) {
            return result(answered, start, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // nothing more to do with it
                }
            }
        }
    }

    /**
     * @param host the listener's configured address ({@code server.host})
     * @return where this process reaches that listener: loopback for a wildcard address
     */
    public static InetAddress loopbackFor(String host) {
        String h = host.trim();
        if (h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]")) {
            return InetAddress.getLoopbackAddress();
        }
        try {
            return InetAddress.getByName(h);
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress();
        }
    }

    private static Result result(int answered, long start, String stopped) {
        return new Result(answered, Duration.ofNanos(System.nanoTime() - start), Instant.now(), Optional.ofNullable(stopped));
    }

    private record Response(int status, boolean keepAlive) {
    }

    /** One HTTP/1.1 response, its body read and dropped (by length, chunks, or to the end). */
    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + statusLine, e);
        }
        long length = -1;
        boolean chunked = false;
        boolean keepAlive = true;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
            case "content-length" -> length = Long.parseLong(value);
            case "transfer-encoding" -> chunked = value.contains("chunked");
            case "connection" -> keepAlive = !value.contains("close");
            default -> { }
            }
        }
        if (chunked) {
            for (long size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
                skip(in, size);
                line(in);
            }
            for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                // trailers: dropped
            }
        } else if (length >= 0) {
            skip(in, length);
        } else {
            in.transferTo(OutputStream.nullOutputStream());
            keepAlive = false;
        }
        return new Response(status, keepAlive);
    }

    private static long chunkSize(String line) throws IOException {
        int extension = line.indexOf(';');
        try {
            return Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size: " + line, e);
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("the response ended early");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed mid-response");
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("a response line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
