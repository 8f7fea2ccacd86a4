import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A keep-alive HTTP/1.1 client on one socket, reconnecting when the server closes. No retries.
 * Beside it, the one-shot calls the harness makes: a probe, a GET, a Prometheus sample.
 */
final class Client implements AutoCloseable {
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
}
