import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The workload of the image's AOT training run (see aot-train): what a replica sees in
 * production, through a keep-alive client like HAProxy's. Public requests (the banner, a
 * 404, sessions: create, read, a message to the echo model, a delete, a local geo-IP lookup),
 * probes, metrics and status, until the replica's small quota rotates it out and it exits;
 * connection refused then ends the workload. bin/run trains its cache with it too. The
 * cache then carries these routes' classes and method profiles: a fresh replica starts
 * fast and runs warm code from its first request.
 *
 * <pre>java -cp /app/bin AotTrainingWorkload PORT</pre>
 *
 * A plain class rather than a script: the runtime image has no HTTP client, and Helidon
 * answers HTTP/1.0 with 505, so the workload needs real HTTP/1.1 with keep-alive.
 */
public final class AotTrainingWorkload {
    private static final Duration LIMIT = Duration.ofSeconds(120);
    /**
     * Between readiness and the first request, the replica's JIT works off its startup queue.
     * The JIT raises its thresholds with the length of that queue (x130 right after a start),
     * so a request path trained at once may stay below them and the cache then carries no
     * compilation of it to replay early; after the pause, it is trained at the normal
     * thresholds. Measured with the replica's own warm-up: the p99 of the first 800 requests
     * 0.41-0.66 ms from three caches trained so, 0.47-0.98 ms from three trained at once
     * (docs/benchmarks.md).
     */
    private static final Duration PAUSE = Duration.ofSeconds(2);

    private AotTrainingWorkload() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (status(client, port, "/observe/health/ready") != 200) {
            if (System.nanoTime() > deadline) {
                fail("the replica was not ready within " + LIMIT);
            }
            Thread.sleep(100);
        }
        Thread.sleep(PAUSE);
        int sent = 0;
        String session = null;
        while (System.nanoTime() < deadline) {
            int status;
            switch (sent % 10) {
            case 0 -> status = status(client, port, "/observe/metrics");
            case 1 -> {
                session = create(client, port);
                status = session == null ? -1 : 201;
            }
            case 2, 6 -> status = session == null ? status(client, port, "/") : status(client, port, "/api/sessions/" + session);
            case 3 -> status = status(client, port, "/observe/health/live");
            case 4 -> status = session == null ? status(client, port, "/")
                    : send(client, port, "POST", "/api/sessions/" + session + "/messages", "{\"content\":\"hello\"}");
            case 5 -> status = status(client, port, "/no-such-page");
            case 7 -> status = status(client, port, "/observe/replica");
            case 8 -> status = status(client, port, "/api/geo/10.1.2.3");
            default -> status = session == null ? status(client, port, "/")
                    : send(client, port, "DELETE", "/api/sessions/" + session, null);
            }
            sent++;
            if (status == -2) {
                System.err.println("aot-train: workload done after " + sent + " requests; the replica has left");
                return;
            }
        }
        fail("the replica did not leave within " + LIMIT + " (" + sent + " requests sent)");
    }

    /** @return the status; -1 for a failed exchange, -2 once nothing listens any more */
    private static int status(HttpClient client, int port, String path) throws InterruptedException {
        return send(client, port, "GET", path, null);
    }

    /** @return the status of one exchange; -1 for a failed exchange, -2 once nothing listens any more */
    private static int send(HttpClient client, int port, String method, String path, String json)
            throws InterruptedException {
        try {
            return client.send(request(port, method, path, json), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (ConnectException e) {
            return -2;
        } catch (IOException e) {
            return -1;
        }
    }

    /** @return a new session's id, or null when the exchange failed */
    private static String create(HttpClient client, int port) throws InterruptedException {
        try {
            String body = client.send(request(port, "POST", "/api/sessions", "{\"system\":\"Be brief.\"}"),
                                      HttpResponse.BodyHandlers.ofString()).body();
            int at = body.indexOf("\"id\":\"");
            return at < 0 ? null : body.substring(at + 6, body.indexOf('"', at + 6));
        } catch (IOException e) {
            return null;
        }
    }

    private static HttpRequest request(int port, String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (json == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private static void fail(String message) {
        System.err.println("aot-train: " + message);
        System.exit(1);
    }
}
