import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The orchestrators the harness plays, one thread per slot:
 * <ul>
 *   <li>{@code compose}: restart the process about a second after it exits;</li>
 *   <li>{@code kubelet}: probe startup, then liveness, with the periods, failure thresholds and timeout read from
 *       {@code k8s/} (defaults when absent), run the preStop pause, SIGTERM, SIGKILL after the
 *       termination grace period, and restart with Kubernetes' back-off (10 s doubling to 300 s,
 *       reset after 10 minutes up); in evict mode a deleted pod's replacement starts at once on
 *       the slot's second port, as a ReplicaSet's does.</li>
 * </ul>
 */
final class Supervisors {
    private Supervisors() {
    }

    /** The orchestrator's view of the probes and the pod's termination, read from k8s/. */
    record KubeletSpec(int livenessPeriod, int livenessFailures, int livenessTimeout, int preStopSeconds,
                       int gracePeriod, int startupPeriod, int startupFailures) {
        static KubeletSpec defaults() {
            return new KubeletSpec(5, 3, 1, 5, 60, 1, 60);
        }
    }

    /** Restart on exit, about a second later (docker compose, restart: unless-stopped). */
    static void compose(Slot slot, AtomicBoolean running) {
        while (running.get()) {
            Process p = slot.process;
            try {
                if (p != null && p.waitFor(200, TimeUnit.MILLISECONDS)) {
                    if (!running.get()) {
                        return;
                    }
                    slot.events.add(slot.index, "exit", "status " + p.exitValue() + " after "
                            + String.format(Locale.ROOT, "%.1fs", Harness.now() - slot.startedAt));
                    Harness.sleep(Duration.ofSeconds(1));
                    if (running.get()) {
                        slot.start();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                slot.events.add(slot.index, "start-failed", e.getMessage());
                return;
            }
        }
    }

    /**
     * Probe liveness; kill like the kubelet; restart with its back-off. An eviction (the pod
     * asked the API stand-in) is a graceful deletion instead: the ReplicaSet starts a new pod
     * at once, with no back-off, while the old one runs its preStop pause, gets SIGTERM, and
     * SIGKILL after the grace period.
     */
    static void kubelet(Slot slot, AtomicBoolean running, KubeletSpec spec, List<double[]> backoffs) {
        int restarts = 0;
        while (running.get()) {
            int failures = 0;
            boolean exited = false;
            boolean evicted = false;
            // as the kubelet: no liveness probe until the startup probe has passed (a JVM that
            // starts slowly on a busy node is not killed for it); a startup probe that keeps
            // failing counts as a liveness failure
            boolean started = false;
            int startupFailures = 0;
            long nextProbe = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.startupPeriod());
            while (running.get() && failures < spec.livenessFailures()) {
                Harness.sleep(Duration.ofMillis(100));
                if (slot.evictionRequested.getAndSet(false)) {
                    evicted = true;
                    break;
                }
                if (!slot.alive()) {
                    exited = true;
                    break;
                }
                if (!started && System.nanoTime() >= nextProbe) {
                    nextProbe += TimeUnit.SECONDS.toNanos(spec.startupPeriod());
                    started = Client.probe(slot.port, "/observe/health/started", Duration.ofSeconds(1)) == 200;
                    if (started) {
                        nextProbe = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.livenessPeriod());
                    } else if (++startupFailures >= spec.startupFailures()) {
                        failures = spec.livenessFailures();
                    }
                } else if (started && System.nanoTime() >= nextProbe) {
                    nextProbe += TimeUnit.SECONDS.toNanos(spec.livenessPeriod());
                    int status = Client.probe(slot.port, "/observe/health/live", Duration.ofSeconds(spec.livenessTimeout()));
                    failures = status == 200 ? 0 : failures + 1;
                }
            }
            if (!running.get()) {
                return;
            }
            double ran = Harness.now() - slot.startedAt;
            if (evicted) {
                // (evictions come through the API stand-in, which runs only in evict mode, where
                // every slot has a spare port for the new pod)
                slot.events.add(slot.index, "evicted", "graceful deletion; the ReplicaSet starts a new pod at once");
                Process old = slot.process;
                int generation = slot.generation.get();
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        stopPod(slot, old, spec);
                        if (!old.isAlive()) {
                            slot.events.add(slot.index, "pod-exit", "generation " + generation + " status " + old.exitValue()
                                    + String.format(Locale.ROOT, " after %.1fs", ran));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        slot.terminating.remove(old);
                    }
                });
                try {
                    slot.startReplacement();
                } catch (IOException e) {
                    slot.events.add(slot.index, "start-failed", e.getMessage());
                    return;
                }
                continue;
            }
            if (!exited) {
                slot.events.add(slot.index, "liveness-failed", spec.livenessFailures() + " probes");
                try {
                    stopPod(slot, slot.process, spec);
                } catch (InterruptedException e) {
                    return;
                }
            }
            slot.events.add(slot.index, "exit", "status " + slot.process.exitValue() + String.format(Locale.ROOT, " after %.1fs", ran));
            // a container restart: Kubernetes backs off 10 s doubling to 300 s, reset after 10 minutes up
            if (ran >= 600) {
                restarts = 0;
            }
            long delay = Math.min(300, 10L << Math.min(restarts, 5));
            restarts++;
            backoffs.add(new double[] {Harness.now(), slot.index, delay, ran});
            slot.events.add(slot.index, "backoff", delay + "s before restart " + restarts);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
            while (running.get() && System.nanoTime() < until) {
                Harness.sleep(Duration.ofMillis(200));
            }
            if (!running.get()) {
                return;
            }
            try {
                slot.start();
            } catch (IOException e) {
                slot.events.add(slot.index, "start-failed", e.getMessage());
                return;
            }
        }
    }

    /** The kubelet stopping a pod: preStop pause, SIGTERM, SIGKILL once the grace period is over. */
    static void stopPod(Slot slot, Process pod, KubeletSpec spec) throws InterruptedException {
        Harness.sleep(Duration.ofSeconds(spec.preStopSeconds()));
        pod.destroy();
        if (!pod.waitFor(spec.gracePeriod(), TimeUnit.SECONDS)) {
            slot.events.add(slot.index, "sigkill", "pid " + pod.pid() + ": grace period " + spec.gracePeriod() + "s over");
            pod.destroyForcibly();
            pod.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
