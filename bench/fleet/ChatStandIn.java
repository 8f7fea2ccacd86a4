import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible chat server on raw sockets that can stop answering on command, and
 * counts the connections the replicas open to it (the outbound cap is checked here, where
 * the connections arrive). Keep-alive HTTP/1.1; every request gets a fixed assistant reply.
 */
final class ChatStandIn implements AutoCloseable {
    final ServerSocket server;
    final AtomicBoolean hanging = new AtomicBoolean();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final AtomicInteger answered = new AtomicInteger();

    ChatStandIn() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                int length = 0;
                String line;
                boolean any = false;
                while ((line = Client.readLine(in)) != null && !line.isEmpty()) {
                    any = true;
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                if (!any) {
                    return;
                }
                in.readNBytes(length);
                // hang, but notice when the replica gives up and closes: that connection is no longer open
                s.setSoTimeout(50);
                while (hanging.get()) {
                    in.mark(1);
                    try {
                        if (in.read() == -1) {
                            return;
                        }
                        in.reset();
                    } catch (java.net.SocketTimeoutException stillThere) {
                        // the replica still waits on this connection
                    }
                }
                s.setSoTimeout(0);
                byte[] body = ("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                        + "{\"role\":\"assistant\",\"content\":\"hello from the stand-in\"},\"finish_reason\":\"stop\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                answered.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            // the replica gave up on this connection (its timeout): that is the point
        } finally {
            open.decrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        hanging.set(false);
        server.close();
    }
}
