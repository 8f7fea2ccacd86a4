package dev.rotor.worker;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Empties this process's accept queue on the port before its listener closes, for hosts where
 * {@code net.ipv4.tcp_migrate_req} is 0 (Render, a plain {@code docker run}, a workstation): there
 * Linux resets the connections still queued on a {@code SO_REUSEPORT} listener that closes, and
 * a worker whose accept thread lags (a busy machine) can have a dozen queued (13 reset at once,
 * measured in the image at 200 requests/s on an overloaded machine).
 * <p>
 * First the kernel is told to send the port's new connections elsewhere: a one-instruction
 * classic BPF program on the listeners' reuseport group ({@code SO_ATTACH_REUSEPORT_CBPF}) picks
 * the group's newest listener, which is the successor (a listener joins at the end of the group
 * and the container's workers hand over one at a time). Then the accept thread takes what is
 * queued, and the caller closes the listener once the queue stayed empty for a round trip (a
 * handshake the kernel gave this listener before the program completes within one). Once it is
 * closed the program points past the group's end, where the kernel picks by hash again; the next
 * successor takes it off when it starts ({@link #unsteer}), before it would send everything to
 * that successor in turn.
 * <p>
 * Without the program (Java 21, a kernel that refuses it, a lone listener) the listener's
 * backlog is set to 0 instead ({@code listen(2)} again), so the kernel queues at most one more
 * connection on it; a handshake that finds that queue full waits for a retransmission, a second.
 * <p>
 * Where {@code tcp_migrate_req} is 1 (compose sets it) nothing is done: closing the listener
 * hands its queue, handshakes under way included, to another listener of the port, and a
 * backlog of 0 would only hurt there (measured: 1,038 ms for one request per handover at 100
 * requests/s, the handshake's last ACK dropped on a full queue).
 * <p>
 * Linux only: the listener is found through {@code /proc/net/tcp} and {@code /proc/self/fd};
 * elsewhere nothing is done.
 */
final class AcceptQueue {
    private static final System.Logger LOG = System.getLogger(AcceptQueue.class.getName());
    private static final String LISTEN = "0A";
    /** How long the queue must stay empty: a handshake's round trip, with room for a proxy hop. */
    private static final long QUIET_NANOS = 20_000_000L;

    private AcceptQueue() {
    }

    /**
     * @param port      the public port
     * @param patience  longest wait for the queue to empty
     * @return whether new connections were sent elsewhere and the queue found empty
     */
    static boolean closeAndDrain(int port, java.time.Duration patience) {
        if (kernelMigrates(MIGRATE_REQ)) {
            return true;
        }
        try {
            Optional<Listener> ours = ours(port);
            if (ours.isEmpty()) {
                return false;
            }
            Listener self = ours.get();
            long group = listeners(port).values().stream().filter(l -> l.local().equals(self.local())).count();
            boolean steered = group > 1 && Native.steer(self.fd(), (int) group - 1);
            if (!steered && Native.listen(self.fd(), 0) != 0) {
                return false;
            }
            long deadline = System.nanoTime() + patience.toNanos();
            long emptySince = -1;
            while (System.nanoTime() < deadline) {
                Listener l = listeners(port).get(self.inode());
                if (l == null) {
                    return true;
                }
                long now = System.nanoTime();
                if (l.queued() > 0) {
                    emptySince = -1;
                } else if (!steered) {
                    return true;
                } else if (emptySince < 0) {
                    emptySince = now;
                } else if (now - emptySince >= QUIET_NANOS) {
                    return true;
                }
                Thread.sleep(1);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Throwable e) {
            LOG.log(Level.DEBUG, "accept queue not drained: " + e);
            return false;
        }
    }

    /**
     * Take off the program a predecessor left on the port's reuseport group (see the class
     * comment): it sends every new connection to the group's newest listener, which is this one
     * once it joined. Called as soon as this worker listens.
     *
     * @param port the public port
     * @return whether a program was taken off
     */
    static boolean unsteer(int port) {
        try {
            Optional<Listener> ours = ours(port);
            return ours.isPresent() && Native.unsteer(ours.get().fd());
        } catch (Throwable e) {
            LOG.log(Level.DEBUG, "reuseport program not taken off: " + e);
            return false;
        }
    }

    /** This network namespace's setting (a container has its own; absent before Linux 5.14). */
    static final Path MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

    /** @return whether a closing listener's queue moves to another listener of its port */
    static boolean kernelMigrates(Path setting) {
        try {
            return "1".equals(Files.readString(setting).trim());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return this process's listener on the port (the last found, if it has several) */
    static Optional<Listener> ours(int port) throws IOException {
        Map<Long, Integer> fds = ourSockets();
        Listener found = null;
        for (Listener l : listeners(port).values()) {
            Integer fd = fds.get(l.inode());
            if (fd != null) {
                found = l.withFd(fd);
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * A listening socket of {@code /proc/net/tcp} (or {@code tcp6}).
     *
     * @param inode  its socket inode
     * @param local  its table and local address: listeners share a reuseport group only if equal
     * @param queued connections waiting in its accept queue
     * @param fd     this process's descriptor for it, -1 when not known
     */
    record Listener(long inode, String local, long queued, int fd) {
        Listener withFd(int descriptor) {
            return new Listener(inode, local, queued, descriptor);
        }
    }

    /** @return the port's listeners in this network namespace, by inode */
    static Map<Long, Listener> listeners(int port) throws IOException {
        Map<Long, Listener> found = new HashMap<>();
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(table);
            if (!Files.isReadable(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
                if (f.length > 9 && f[1].endsWith(hexPort) && LISTEN.equals(f[3])) {
                    long rx = Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
                    long inode = Long.parseLong(f[9]);
                    found.put(inode, new Listener(inode, table + " " + f[1], rx, -1));
                }
            }
        }
        return found;
    }

    /** @return socket inode -> this process's file descriptor */
    static Map<Long, Integer> ourSockets() throws IOException {
        Map<Long, Integer> ours = new HashMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        ours.put(Long.parseLong(link.substring(8, link.length() - 1)), Integer.parseInt(fd.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // a descriptor closed meanwhile
                }
            }
        }
        return ours;
    }
}
