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
 * 404), probes, metrics and status, until the replica's small quota rotates it out and it
 * exits; connection refused then ends the workload.
 *
 * <pre>java -cp /app/bin AotTrainingWorkload PORT</pre>
 *
 * A plain class rather than a script: the runtime image has no HTTP client, and Helidon
 * answers HTTP/1.0 with 505, so the workload needs real HTTP/1.1 with keep-alive.
 */
public final class AotTrainingWorkload {
    private static final Duration LIMIT = Duration.ofSeconds(120);

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
        int sent = 0;
        while (System.nanoTime() < deadline) {
            String path = switch (sent % 10) {
                case 0 -> "/observe/metrics";
                case 3 -> "/observe/health/live";
                case 5 -> "/no-such-page";
                case 7 -> "/observe/replica";
                default -> "/";
            };
            int status = status(client, port, path);
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
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (ConnectException e) {
            return -2;
        } catch (IOException e) {
            return -1;
        }
    }

    private static void fail(String message) {
        System.err.println("aot-train: " + message);
        System.exit(1);
    }
}
