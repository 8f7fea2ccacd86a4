package dev.rotor.demo;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demonstration leak: keeps {@code bytesPerRequest} bytes alive for every counted
 * request, for the life of the replica, the way a leaking library would. Off at 0.
 */
public final class DemoLeak implements Runnable {
    private final int bytesPerRequest;
    private final Queue<LeakedChunk> retained = new ConcurrentLinkedQueue<>();
    private final AtomicLong retainedBytes = new AtomicLong();

    /**
     * @param bytesPerRequest bytes to retain per call; 0 disables
     */
    public DemoLeak(int bytesPerRequest) {
        this.bytesPerRequest = bytesPerRequest;
    }

    @Override
    public void run() {
        if (bytesPerRequest > 0) {
            byte[] chunk = new byte[bytesPerRequest];
            // touch every page so the memory is really committed, as a real leak's would be
            for (int i = 0; i < chunk.length; i += 4096) {
                chunk[i] = 1;
            }
            retained.add(new LeakedChunk(chunk));
            retainedBytes.addAndGet(bytesPerRequest);
        }
    }

    /** @return bytes retained so far */
    public long retainedBytes() {
        return retainedBytes.get();
    }
}
