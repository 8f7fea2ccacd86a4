package dev.rotor.worker;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Empties this process's accept queue on the port before its listener closes, for hosts where
 * {@code net.ipv4.tcp_migrate_req} is 0 (Render, a plain {@code docker run}, a workstation): there
 * Linux resets the connections still queued on a {@code SO_REUSEPORT} listener that closes, and
 * a worker whose accept thread lags (a busy machine) can have a dozen queued (13 reset at once,
 * measured in the image at 200 requests/s on an overloaded machine). The listener's backlog is
 * set to 0 ({@code listen(2)} again, through the JDK's foreign function API), so the kernel stops
 * queueing new connections on it (a SYN that picks it is dropped and retried by the client a
 * second later, when only the successor listens), the accept thread takes what is queued, and
 * the caller closes the listener once the queue is empty. Linux only: the listener is found
 * through {@code /proc/net/tcp} and {@code /proc/self/fd}; elsewhere nothing is done.
 * <p>
 * Where {@code tcp_migrate_req} is 1 (compose sets it) nothing is done either: closing the
 * listener hands its queue, handshakes under way included, to another listener of the port, and a
 * backlog of 0 would only hurt there: a full queue makes the kernel drop the handshake's last
 * ACK, and the client's request then waits for the SYN-ACK's retransmission, a second later
 * (measured: 1,038 ms for one request per handover at 100 requests/s).
 */
final class AcceptQueue {
    private static final System.Logger LOG = System.getLogger(AcceptQueue.class.getName());
    private static final String LISTEN = "0A";

    private AcceptQueue() {
    }

    /**
     * @param port      the public port
     * @param patience  longest wait for the queue to empty
     * @return whether the queue was closed to new connections and found empty
     */
    static boolean closeAndDrain(int port, java.time.Duration patience) {
        if (kernelMigrates(MIGRATE_REQ)) {
            return true;
        }
        try {
            Map<Long, Integer> ours = ourSockets();
            OptionalInt fd = OptionalInt.empty();
            long inode = -1;
            for (Map.Entry<Long, Listener> e : listeners(port).entrySet()) {
                Integer f = ours.get(e.getKey());
                if (f != null) {
                    fd = OptionalInt.of(f);
                    inode = e.getKey();
                }
            }
            if (fd.isEmpty()) {
                return false;
            }
            int rc = (int) listenCall().invoke(fd.getAsInt(), 0);
            if (rc != 0) {
                return false;
            }
            long deadline = System.nanoTime() + patience.toNanos();
            while (System.nanoTime() < deadline) {
                Listener l = listeners(port).get(inode);
                if (l == null || l.queued() == 0) {
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

    /**
     * {@code int listen(int fd, int backlog)} from the C library, through the foreign function API
     * (final since Java 22). Reached by reflection because the project compiles for Java 21,
     * where that API is a preview; on 21 this fails and nothing is done.
     */
    private static MethodHandle listenCall() throws ReflectiveOperationException {
        Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
        Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
        Object linker = linkerType.getMethod("nativeLinker").invoke(null);
        Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
        Object symbol = ((java.util.Optional<?>) Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class)
                .invoke(lookup, "listen")).orElseThrow();
        Object javaInt = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
        Object args = Array.newInstance(layoutType, 2);
        Array.set(args, 0, javaInt);
        Array.set(args, 1, javaInt);
        Object descriptor = descriptorType.getMethod("of", layoutType, args.getClass()).invoke(null, javaInt, args);
        Object options = Array.newInstance(optionType, 0);
        return (MethodHandle) linkerType.getMethod("downcallHandle", segmentType, descriptorType, options.getClass())
                .invoke(linker, symbol, descriptor, options);
    }

    /** A listening socket of {@code /proc/net/tcp}: how many connections wait in its accept queue. */
    private record Listener(long queued) {
    }

    private static Map<Long, Listener> listeners(int port) throws IOException {
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
                    found.put(Long.parseLong(f[9]), new Listener(rx));
                }
            }
        }
        return found;
    }

    /** @return socket inode -> this process's file descriptor */
    private static Map<Long, Integer> ourSockets() throws IOException {
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
