package dev.rotor.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small blocking HTTP client for tests, against 127.0.0.1.
 */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private Http() {
    }

    /**
     * @param port port on 127.0.0.1
     * @param path path and query
     * @return the response with its body as a string
     */
    public static HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(uri(port, path)).GET());
    }

    /**
     * @param port port
     * @param path path
     * @return the status only; -1 when the connection failed
     */
    public static int status(int port, String path) {
        try {
            return get(port, path).statusCode();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /**
     * @param port        port
     * @param path        path
     * @param contentType content type
     * @param body        request body
     * @return response
     */
    public static HttpResponse<String> post(int port, String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(uri(port, path))
                            .header("Content-Type", contentType)
                            .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /**
     * @param builder request builder
     * @return response
     */
    public static HttpResponse<String> send(HttpRequest.Builder builder) {
        try {
            return CLIENT.send(builder.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param port port
     * @param path path
     * @return URI on loopback
     */
    public static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /**
     * Read one HTTP/1.1 response from a raw socket's reader (for tests about connections).
     *
     * @param in reader over the socket
     * @return the status line, the header lines in lower case, then the body as the last item
     * @throws IOException when the socket fails
     */
    public static java.util.List<String> readResponse(java.io.BufferedReader in) throws IOException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add(in.readLine());
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            lines.add(lower);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring("content-length:".length()).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        lines.add(new String(body, 0, read));
        return lines;
    }
}
