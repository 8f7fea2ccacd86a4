package dev.rotor.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client that speaks bytes, not HTTP: for requests no HTTP client would send (stalled bodies,
 * unfinished headers, ambiguous framing). Reads wait at most {@code patience}: a generous bound
 * for "the server ends this", never a claim about how fast.
 */
public final class RawSocket implements AutoCloseable {
    private final Socket socket;

    private RawSocket(Socket socket) {
        this.socket = socket;
    }

    /**
     * @param port     loopback port
     * @param patience longest wait for any single read
     * @return a connected socket
     * @throws IOException when the connection fails
     */
    public static RawSocket open(int port, Duration patience) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout((int) patience.toMillis());
        return new RawSocket(s);
    }

    /**
     * @param text bytes to send, as ISO-8859-1
     * @return this
     * @throws IOException when the write fails
     */
    public RawSocket send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Read until the server closes the connection.
     *
     * @return everything received
     * @throws IOException when the read fails otherwise
     * @throws SocketTimeoutException when the server neither answers nor closes within the patience
     */
    public String readToClose() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[8192];
        int n;
        try {
            while ((n = in.read(buf)) != -1) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException e) {
            // a reset after the server closed: what was received before it still counts
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
