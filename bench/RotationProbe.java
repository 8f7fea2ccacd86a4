import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load for bench/rotation-restart: GET / through HAProxy every few milliseconds for a while,
 * one line per response: epoch nanoseconds, status, and the replica id from the body.
 *
 * <pre>java bench/RotationProbe.java PORT SECONDS OUT_FILE STOP_FILE</pre>
 * It stops early once STOP_FILE exists, and always closes OUT_FILE whole (a killed JVM
 * would leave a half-written last line).
 */
public final class RotationProbe {
    private static final Pattern REPLICA = Pattern.compile("\"replica\":\"([^\"]+)\"");

    private RotationProbe() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = Integer.parseInt(args[0]);
        long end = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[1])).toNanos();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(30)).build();
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[2])))) {
            Path stop = Path.of(args[3]);
            while (System.nanoTime() < end && !Files.exists(stop)) {
                String line;
                try {
                    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                    Matcher m = REPLICA.matcher(r.body());
                    line = r.statusCode() + " " + (m.find() ? m.group(1) : "-");
                } catch (IOException e) {
                    line = "-1 -";
                }
                Instant now = Instant.now();
                out.println((now.getEpochSecond() * 1_000_000_000L + now.getNano()) + " " + line);
                // ~150 requests/s: enough resolution for a sub-second target, light on 2 cores
                Thread.sleep(5);
            }
        }
    }
}
