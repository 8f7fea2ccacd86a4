import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Locale;

/**
 * The harness's clock, its log line and two small helpers. Constants only: each run's state
 * lives in its {@link Events} and {@link Run}.
 */
final class Harness {
    /** The clock every recorded moment is on: seconds since the harness started. */
    static final long T0 = System.nanoTime();
    /** Wall-clock milliseconds at {@link #T0}, to place the replicas' log lines on that clock. */
    static final long WALL_T0 = System.currentTimeMillis() - (System.nanoTime() - T0) / 1_000_000;

    private Harness() {
    }

    static double now() {
        return (System.nanoTime() - T0) / 1e9;
    }

    static void log(String message) {
        System.out.printf(Locale.ROOT, "[%7.2fs] %s%n", now(), message);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
