package dev.rotor.lifecycle;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Watches old-generation occupancy right after each garbage collection, the one heap number
 * that says "live data keeps growing" rather than "garbage has not been collected yet". The
 * trigger fires after {@code collections} collections in a row above {@code fraction} of the
 * old generation's maximum (the heap maximum where the pool has none).
 */
final class HeapPressure implements RotationTrigger, AutoCloseable {
    private final double fraction;
    private final int collections;
    private final AtomicInteger streak = new AtomicInteger();
    private volatile double lastRatio;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onNotification;

    /**
     * @param fraction    bound on old generation after GC, as a fraction of its maximum
     * @param collections collections in a row above it before the trigger fires
     */
    HeapPressure(double fraction, int collections) {
        this.fraction = fraction;
        this.collections = collections;
    }

    /**
     * Listen to the JVM's garbage collection notifications.
     *
     * @return this
     */
    public HeapPressure install() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
        return this;
    }

    /**
     * Record one collection's outcome (public for tests; the JVM's notifications call it).
     *
     * @param usedAfterGc old-generation bytes in use right after the collection
     * @param max         the old generation's maximum
     */
    public void onCollection(long usedAfterGc, long max) {
        if (max <= 0) {
            return;
        }
        lastRatio = (double) usedAfterGc / max;
        if (lastRatio > fraction) {
            streak.incrementAndGet();
        } else {
            streak.set(0);
        }
    }

    /** @return old-generation occupancy after the last collection, 0 to 1 */
    public double lastRatio() {
        return lastRatio;
    }

    @Override
    public RotationCause cause() {
        return RotationCause.HEAP;
    }

    @Override
    public boolean emergency() {
        return true;
    }

    @Override
    public Decision decide(ReplicaView replica) {
        if (streak.get() < collections) {
            return Decision.notDue(cause());
        }
        return Decision.due(cause(), Math.round(lastRatio * 100), Math.round(fraction * 100));
    }

    private void onNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        Map<String, MemoryUsage> after = info.getGcInfo().getMemoryUsageAfterGc();
        long used = 0;
        long max = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && isOldGeneration(pool.getName()) && after.containsKey(pool.getName())) {
                used += after.get(pool.getName()).getUsed();
                long poolMax = pool.getUsage().getMax();
                max += poolMax > 0 ? poolMax : 0;
            }
        }
        if (max <= 0) {
            max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        }
        onCollection(used, max);
    }

    static boolean isOldGeneration(String poolName) {
        // Serial: "Tenured Gen"; Parallel: "PS Old Gen"; G1: "G1 Old Gen"; ZGC: "ZGC Old Generation"
        return poolName.contains("Old") || poolName.contains("Tenured");
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }
}
