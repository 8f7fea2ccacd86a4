import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The load the harness offers through HAProxy: closed-loop workers, optionally paced. */
final class Load {
    private Load() {
    }

    /**
     * Closed-loop workers, paced to {@code rate} requests a second in all (0 = as fast as they can),
     * for {@code duration}. {@code pathFor} picks each request's path.
     */
    static void run(int port, int workers, double rate, Duration duration, Recorder recorder,
                    java.util.function.IntFunction<String> pathFor) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong sequence = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(Thread.ofVirtual().start(() -> {
                long interval = rate > 0 ? (long) (1e9 * workers / rate) : 0;
                long next = System.nanoTime() + (interval * worker / Math.max(1, workers));
                try (Client client = new Client(port)) {
                    while (System.nanoTime() < end) {
                        if (interval > 0) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                Harness.sleep(Duration.ofNanos(wait));
                            }
                            next += interval;
                        }
                        String path = pathFor.apply((int) sequence.incrementAndGet());
                        long start = System.nanoTime();
                        int code = client.get(path);
                        recorder.add((start - Harness.T0) / 1e9, System.nanoTime() - start, code, path.startsWith("POST "));
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
