package dev.rotor.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The container's memory against its cgroup limit: the working set (usage minus inactive
 * file cache, the number the kernel's OOM decisions and Kubernetes' eviction look at) over
 * the limit. Reads cgroup v2 ({@code memory.current}, {@code memory.max}, {@code memory.stat})
 * or v1 ({@code memory/memory.usage_in_bytes}, {@code memory/memory.limit_in_bytes}). No
 * limit, or no cgroup files, means the trigger never fires. Files are read at most once a second.
 */
final class ContainerMemory implements RotationTrigger {
    private static final long UNLIMITED_V1 = 1L << 60;
    private static final long READ_EVERY_NANOS = 1_000_000_000L;

    private final Path root;
    private final double fraction;
    private final LongSupplier nanoClock;
    private volatile long lastRead = Long.MIN_VALUE / 2;
    private volatile Optional<Usage> last = Optional.empty();

    /**
     * Working set and limit in bytes.
     *
     * @param workingSet usage minus inactive file cache
     * @param limit      the cgroup's memory limit
     */
    public record Usage(long workingSet, long limit) {
        /** @return working set as a fraction of the limit */
        public double fraction() {
            return (double) workingSet / limit;
        }
    }

    /**
     * @param root      cgroup mount (e.g. {@code /sys/fs/cgroup})
     * @param fraction  working-set fraction of the limit that triggers rotation
     * @param nanoClock monotonic clock
     */
    ContainerMemory(Path root, double fraction, LongSupplier nanoClock) {
        this.root = root;
        this.fraction = fraction;
        this.nanoClock = nanoClock;
    }

    /**
     * @return the current usage, or empty when there is no cgroup limit to compare with
     */
    public Optional<Usage> read() {
        long now = nanoClock.getAsLong();
        if (now - lastRead >= READ_EVERY_NANOS) {
            lastRead = now;
            last = readFiles();
        }
        return last;
    }

    @Override
    public RotationCause cause() {
        return RotationCause.CONTAINER_MEMORY;
    }

    @Override
    public boolean emergency() {
        return true;
    }

    @Override
    public Decision decide(ReplicaView replica) {
        return read().filter(u -> u.fraction() > fraction)
                .map(u -> Decision.due(cause(), u.workingSet(), u.limit()))
                .orElseGet(() -> Decision.notDue(cause()));
    }

    private Optional<Usage> readFiles() {
        try {
            if (Files.isReadable(root.resolve("memory.max"))) {
                String max = Files.readString(root.resolve("memory.max")).trim();
                if ("max".equals(max)) {
                    return Optional.empty();
                }
                long current = Long.parseLong(Files.readString(root.resolve("memory.current")).trim());
                long inactive = stat(root.resolve("memory.stat"), "inactive_file");
                return Optional.of(new Usage(Math.max(0, current - inactive), Long.parseLong(max)));
            }
            Path v1 = root.resolve("memory");
            if (Files.isReadable(v1.resolve("memory.limit_in_bytes"))) {
                long limit = Long.parseLong(Files.readString(v1.resolve("memory.limit_in_bytes")).trim());
                if (limit >= UNLIMITED_V1) {
                    return Optional.empty();
                }
                long usage = Long.parseLong(Files.readString(v1.resolve("memory.usage_in_bytes")).trim());
                long inactive = stat(v1.resolve("memory.stat"), "total_inactive_file");
                return Optional.of(new Usage(Math.max(0, usage - inactive), limit));
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static long stat(Path file, String key) throws IOException {
        if (!Files.isReadable(file)) {
            return 0;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key + " ")) {
                return Long.parseLong(line.substring(key.length() + 1).trim());
            }
        }
        return 0;
    }
}
