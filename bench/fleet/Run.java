import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One run of the fleet: its slots, what happened (its {@link Events} and the replicas' logs
 * in its folder), HAProxy's port and when the load ran. {@link #execute} starts the replicas
 * under their supervisors behind HAProxy, offers the load, and stops every process by PID.
 */
final class Run {
    final Path dir;
    final Events events = new Events();
    /** Filled before any supervisor, watcher or load thread starts; not changed after. */
    final List<Slot> slots = new ArrayList<>();
    /** HAProxy's port, for scenarios that prepare data through it. */
    volatile int frontPort;
    volatile double loadStart;
    volatile double loadEnd;

    private Run(Path dir) {
        this.dir = dir;
    }

    /** @return the drains and "serving" moments the replicas logged, by time */
    List<Events.Event> replicaEvents() {
        return ReplicaLogs.events(dir);
    }

    /** Picks request {@code i}'s path; sees the run (HAProxy's port, for data made through it). */
    interface Paths {
        String path(Run run, int i);
    }

    /**
     * Everything one run needs. {@code service}: route as a Kubernetes Service (HAProxy in TCP
     * mode, see {@link HaProxy#startService}) with the base's readiness probe, instead of the
     * compose front door.
     */
    record Spec(String title, int replicas, String supervisor, Map<String, String> env, List<String> jvm,
                int workers, double rate, Duration duration, String inter, int fall, long memoryLimitMiB,
                Paths paths, Consumer<Run> during, Manifests.Base service) {
        Spec(String title, int replicas, String supervisor, Map<String, String> env, List<String> jvm,
             int workers, double rate, Duration duration, String inter, int fall, long memoryLimitMiB,
             Paths paths, Consumer<Run> during) {
            this(title, replicas, supervisor, env, jvm, workers, rate, duration, inter, fall, memoryLimitMiB, paths, during,
                 null);
        }
    }

    /** Result of one run. */
    record Result(Report.Summary summary, Run run, Recorder recorder, List<double[]> backoffs, List<Events.Event> events,
                  double seconds) {
        List<Slot> slots() {
            return run.slots;
        }
    }

    static Result execute(Spec spec, Path out) throws Exception {
        Files.createDirectories(out);
        Run run = new Run(out);
        try (var old = Files.list(out)) {
            for (Path f : old.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.delete(f);
            }
        }
        List<Slot> slots = run.slots;
        Map<String, String> env = new HashMap<>(spec.env());
        // under the kubelet, an evicting replica's replacement is a new pod: a second port per slot
        boolean replicaSet = spec.supervisor().equals("kubelet") && "evict".equals(env.get("ROTOR_EXIT_MODE"));
        for (int i = 0; i < spec.replicas(); i++) {
            slots.add(new Slot(i, Harness.freePort(), replicaSet ? Harness.freePort() : 0, env, spec.jvm(), out,
                               run.events));
        }
        com.sun.net.httpserver.HttpsServer api = "evict".equals(env.get("ROTOR_EXIT_MODE"))
                ? KubernetesApi.start(out, slots, env) : null;
        AtomicBoolean running = new AtomicBoolean(true);
        int front = Harness.freePort();
        Manifests.Base service = spec.service();
        Process haproxy = service == null ? HaProxy.start(out, front, slots, spec.inter(), spec.fall())
                : HaProxy.startService(out, front, slots, service.readinessPeriod(), service.readinessFailures(),
                                       service.readinessSuccesses());
        List<Thread> background = new ArrayList<>();
        List<double[]> backoffs = new CopyOnWriteArrayList<>();
        Recorder recorder = new Recorder((int) Math.min(20_000_000, Math.max(100_000,
                spec.rate() > 0 ? spec.rate() * spec.duration().toSeconds() * 2 : 40_000L * spec.duration().toSeconds())));
        try {
            for (Slot s : slots) {
                s.start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Slot s : slots) {
                while (Client.probe(s.port, "/observe/health/ready", Duration.ofSeconds(1)) != 200) {
                    if (System.nanoTime() > deadline || !s.alive()) {
                        throw new IllegalStateException("replica " + s.index + " never became ready; see "
                                                                + out.resolve("replica-" + s.index + ".log"));
                    }
                    Harness.sleep(Duration.ofMillis(50));
                }
            }
            Supervisors.KubeletSpec kubelet = spec.supervisor().equals("kubelet") ? Manifests.kubeletSpec() : null;
            for (Slot s : slots) {
                background.add(Thread.ofPlatform().daemon().start(
                        kubelet == null ? () -> Supervisors.compose(s, running)
                                        : () -> Supervisors.kubelet(s, running, kubelet, backoffs)));
            }
            background.add(Thread.ofPlatform().daemon().start(() -> Watch.run(slots, running, spec.memoryLimitMiB())));
            while (Client.probe(front, "/observe/health/ready", Duration.ofSeconds(1)) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("HAProxy never routed; see " + out.resolve("haproxy.log"));
                }
                Harness.sleep(Duration.ofMillis(50));
            }
            // HAProxy starts every server UP; the spare ports (no pod yet) go DOWN at their first check
            for (Slot s : slots) {
                for (String backend : service == null ? List.of("ready", "alive") : List.of("ready")) {
                    String down = "Server " + backend + "/r" + s.index + "b is DOWN";
                    while (s.ports.length > 1 && !Files.readString(out.resolve("haproxy.log")).contains(down)) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("HAProxy never saw the spare port down; see "
                                                                    + out.resolve("haproxy.log"));
                        }
                        Harness.sleep(Duration.ofMillis(50));
                    }
                }
            }
            run.frontPort = front;
            Harness.log("load: " + spec.workers() + " workers, " + (spec.rate() > 0 ? spec.rate() + " req/s" : "unpaced")
                                + ", " + spec.duration().toSeconds() + " s through HAProxy on port " + front);
            double started = Harness.now();
            run.loadStart = started;
            if (spec.during() != null) {
                background.add(Thread.ofPlatform().daemon().start(() -> spec.during().accept(run)));
            }
            Load.run(front, spec.workers(), spec.rate(), spec.duration(), recorder, i -> spec.paths().path(run, i));
            double seconds = Harness.now() - started;
            run.loadEnd = Harness.now();
            running.set(false);
            Report.Summary summary = Report.summarize(run, recorder, 0);
            return new Result(summary, run, recorder, backoffs, run.events.all(), seconds);
        } finally {
            running.set(false);
            for (Slot s : slots) {
                s.killAll();
            }
            haproxy.destroy();
            haproxy.waitFor(5, TimeUnit.SECONDS);
            if (api != null) {
                api.stop(0);
            }
            for (Slot s : slots) {
                s.awaitAll();
            }
        }
    }
}
