package dev.rotor.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real {@code redis-server} on a free loopback port, started and stopped by the test
 * (by its PID), so that outages can be staged: {@link #stop()} kills it, {@link #start()}
 * brings it back on the same port, {@link #pause()} / {@link #resume()} freeze it with
 * SIGSTOP / SIGCONT so that it accepts connections but never answers.
 *
 * <p>The binary is {@code redis-server} from PATH when there is one, else the Linux build
 * that the {@code embedded-redis} test dependency ships, extracted once to a temp file.
 */
public final class RedisTestServer implements AutoCloseable {
    private static final String EMBEDDED = "/redis-server-6.2.6-v5-linux-amd64";

    private final Path binary;
    private final int port;
    /** Configuration read on standard input ({@code redis-server -}), as the deploy files pass an ACL; null = none. */
    private final String stdinConfig;
    private Process process;
    private Path dir;

    private RedisTestServer(Path binary, int port, String stdinConfig) {
        this.binary = binary;
        this.port = port;
        this.stdinConfig = stdinConfig;
    }

    /**
     * @return a started server on a free port
     */
    public static RedisTestServer startNew() {
        return startNew(null);
    }

    /**
     * @param stdinConfig configuration lines (an ACL, say) given on standard input, as
     *                    {@code redis-server -} reads them; null = none. The default user must stay
     *                    usable without a password: this class's own PING and INFO sign in as no one
     * @return a started server on a free port
     */
    public static RedisTestServer startNew(String stdinConfig) {
        // Redis must keep its port across stop() and start(), so the test picks it; another
        // suite may bind it between the pick and Redis's bind: then try another port
        for (int attempt = 1; ; attempt++) {
            RedisTestServer server = new RedisTestServer(binary(), JarProcess.freePort(), stdinConfig);
            try {
                server.start();
                return server;
            } catch (PortTakenException e) {
                if (attempt == 5) {
                    throw new IllegalStateException("redis-server found no free port in 5 attempts", e);
                }
            }
        }
    }

    /** The server exited at once on its first start: its port was taken. */
    private static final class PortTakenException extends RuntimeException {
        PortTakenException(int port) {
            super("redis-server exited at start; port " + port + " taken?", null, false, false);
        }
    }

    /**
     * Start (or restart) the server on its port; returns once it answers PING.
     */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        boolean first = process == null;
        try {
            if (dir == null) {
                // whatever Redis writes (an RDB on a replica's full sync) goes here, not into the cwd
                dir = Files.createTempDirectory("rotor-redis-");
                dir.toFile().deleteOnExit();
            }
            List<String> command = new java.util.ArrayList<>(List.of(binary.toString()));
            if (stdinConfig != null) {
                command.add("-");
            }
            command.addAll(List.of("--port", String.valueOf(port),
                                   "--bind", "127.0.0.1",
                                   "--dir", dir.toString(),
                                   "--save", "",
                                   "--appendonly", "no",
                                   "--protected-mode", "no"));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (var stdin = process.getOutputStream()) {
                if (stdinConfig != null) {
                    stdin.write(stdinConfig.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        // answering as this process: a PONG alone could come from another suite's server on the port
        Await.until("redis-server on port " + port + " to answer PING", Duration.ofSeconds(10),
                    () -> !started.isAlive() || answersPing() && info("server", "process_id") == started.pid());
        if (!started.isAlive()) {
            if (first) {
                throw new PortTakenException(port);
            }
            throw new IllegalStateException("redis-server exited at its restart on port " + port);
        }
    }

    /**
     * Kill the server (SIGKILL, as a crash would).
     */
    public synchronized void stop() {
        if (process != null) {
            Signals.kill(process);
        }
    }

    /** Freeze the process: connections are accepted by the kernel but nothing is answered. */
    public void pause() {
        signal("STOP");
    }

    /** Unfreeze a paused process. */
    public void resume() {
        signal("CONT");
    }

    /** @return the port */
    public int port() {
        return port;
    }

    /** @return {@code redis://127.0.0.1:port} */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * @param command a Redis command and arguments, e.g. {@code "DBSIZE"}
     * @return the raw first reply line, e.g. {@code ":3"}
     */
    public String command(String... command) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            StringBuilder resp = new StringBuilder("*" + command.length + "\r\n");
            for (String part : command) {
                resp.append('$').append(part.length()).append("\r\n").append(part).append("\r\n");
            }
            socket.getOutputStream().write(resp.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One counter of {@code INFO stats}, read on a connection of its own (which the server's
     * {@code total_connections_received} includes).
     *
     * @param field e.g. {@code total_connections_received} or {@code total_commands_processed}
     * @return its value
     */
    public long stat(String field) {
        return info("stats", field);
    }

    /**
     * @param command a command's name as {@code INFO commandstats} names it, e.g. {@code evalsha}
     * @return how often Redis ran it since it started (0 when never)
     */
    public long calls(String command) {
        String line = infoText("commandstats").lines()
                .filter(l -> l.startsWith("cmdstat_" + command + ":"))
                .findFirst().orElse("");
        int at = line.indexOf("calls=");
        return at < 0 ? 0 : Long.parseLong(line.substring(at + 6, line.indexOf(',', at)));
    }

    private long info(String section, String field) {
        return infoText(section).lines()
                .filter(l -> l.startsWith(field + ":"))
                .mapToLong(l -> Long.parseLong(l.substring(field.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + field + " in INFO " + section));
    }

    private String infoText(String section) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(("*2\r\n$4\r\nINFO\r\n$" + section.length() + "\r\n" + section + "\r\n")
                                                   .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                head.append((char) c);
            }
            if (head.isEmpty() || head.charAt(0) != '$') {
                throw new IllegalStateException("INFO answered " + head);
            }
            int length = Integer.parseInt(head.substring(1).trim());
            return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean answersPing() {
        try {
            return "+PONG".equals(command("PING"));
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private void signal(String name) {
        Signals.send(process, name);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            resume();
        }
        stop();
    }

    private static Path extracted;

    static synchronized Path binary() {
        if (extracted != null) {
            return extracted;
        }
        Optional<Path> installed = Signals.onPath("redis-server");
        if (installed.isPresent()) {
            return installed.get();
        }
        try (InputStream in = RedisTestServer.class.getResourceAsStream(EMBEDDED)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on PATH and none in the embedded-redis jar");
            }
            Path file = Files.createTempFile("rotor-redis-server-", "",
                                             PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
            file.toFile().deleteOnExit();
            extracted = file;
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
