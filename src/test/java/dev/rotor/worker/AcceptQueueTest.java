package dev.rotor.worker;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real listening socket and real connections: once its queue is closed, the kernel queues at
 * most one more connection on it (Linux lets one past a backlog of 0), where the same socket
 * before queues every one of them.
 */
class AcceptQueueTest {
    @Test
    void aClosedQueueTakesNoMoreConnectionsWhileAnOpenOneTakesThemAll() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "Linux only");
        assumeTrue(!AcceptQueue.kernelMigrates(AcceptQueue.MIGRATE_REQ), "this host hands a closing listener's queue over itself");
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            listener.bind(new InetSocketAddress("127.0.0.1", 0), 50);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();

            List<SocketChannel> before = connect(port, 4);
            awaitQueued(port, 4);
            assertThat("queued while open", queued(port), is(4L));
            // the queue must be empty before the call returns true: take what is there
            for (int i = 0; i < 4; i++) {
                listener.accept().close();
            }
            close(before);

            assertThat(AcceptQueue.closeAndDrain(port, Duration.ofSeconds(5)), is(true));
            List<SocketChannel> after = connect(port, 4);
            // loopback queues a connection within the connect call; a slow machine can only
            // make this wait longer, never the count higher
            Thread.sleep(300);
            assertThat("queued after the queue was closed", queued(port), is(lessThanOrEqualTo(1L)));
            close(after);
        }
    }

    @Test
    void whereTheKernelMigratesAClosingListenersQueueTheBacklogIsLeftAlone(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path on = Files.writeString(dir.resolve("on"), "1\n");
        Path off = Files.writeString(dir.resolve("off"), "0\n");
        assertThat(AcceptQueue.kernelMigrates(on), is(true));
        assertThat(AcceptQueue.kernelMigrates(off), is(false));
        assertThat("a kernel before 5.14 has no such setting", AcceptQueue.kernelMigrates(dir.resolve("absent")), is(false));
    }

    @Test
    void aSteeredGroupSendsEveryNewConnectionToItsNewestListenerUntilTheProgramIsTakenOff() throws Throwable {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "Linux only");
        try (ServerSocketChannel old = ServerSocketChannel.open(); ServerSocketChannel successor = ServerSocketChannel.open()) {
            old.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            old.bind(new InetSocketAddress("127.0.0.1", 0), 64);
            int port = ((InetSocketAddress) old.getLocalAddress()).getPort();
            long oldInode = AcceptQueue.listeners(port).keySet().iterator().next();
            successor.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            successor.bind(new InetSocketAddress("127.0.0.1", port), 64);
            Map<Long, AcceptQueue.Listener> both = AcceptQueue.listeners(port);
            assertThat("one reuseport group", both.size(), is(2));
            long successorInode = both.keySet().stream().filter(i -> i != oldInode).findFirst().orElseThrow();
            int oldFd = AcceptQueue.ourSockets().get(oldInode);
            int successorFd = AcceptQueue.ourSockets().get(successorInode);

            assertThat("the kernel takes the program", Native.steer(oldFd, 1), is(true));
            List<SocketChannel> steered = connect(port, 16);
            awaitTotal(port, 16);
            Map<Long, AcceptQueue.Listener> after = AcceptQueue.listeners(port);
            assertThat("every one on the newest listener", after.get(successorInode).queued(), is(16L));
            assertThat("none on the leaving one", after.get(oldInode).queued(), is(0L));
            take(successor, 16);
            close(steered);

            assertThat("the successor takes the program off", Native.unsteer(successorFd), is(true));
            List<SocketChannel> hashed = connect(port, 32);
            awaitTotal(port, 32);
            Map<Long, AcceptQueue.Listener> spread = AcceptQueue.listeners(port);
            // by hash of the four-tuple: all 32 on one listener has a chance of 2 in 2^32
            assertThat("the old listener gets its share again", spread.get(oldInode).queued(), is(greaterThan(0L)));
            assertThat(spread.get(successorInode).queued(), is(greaterThan(0L)));
            close(hashed);
        }
    }

    private static void take(ServerSocketChannel listener, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            listener.accept().close();
        }
    }

    private static void awaitTotal(int port, long n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (AcceptQueue.listeners(port).values().stream().mapToLong(AcceptQueue.Listener::queued).sum() < n
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static List<SocketChannel> connect(int port, int n) throws Exception {
        List<SocketChannel> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            c.connect(new InetSocketAddress("127.0.0.1", port));
            all.add(c);
        }
        return all;
    }

    private static void close(List<SocketChannel> all) throws Exception {
        for (SocketChannel c : all) {
            c.close();
        }
    }

    private static void awaitQueued(int port, long n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (queued(port) < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** @return the accept queue of the listener on the port (rx_queue of its LISTEN line) */
    private static long queued(int port) throws Exception {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && "0A".equals(f[3])) {
                    return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
                }
            }
        }
        return -1;
    }
}
