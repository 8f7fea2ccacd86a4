import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One replica slot: the process in it changes as the supervisor restarts it. A slot with a
 * spare port is a ReplicaSet's place: an evicted pod's replacement starts at once on the
 * other port while the old pod terminates (both are HAProxy servers of the slot).
 */
final class Slot {
    final int index;
    final int[] ports;
    volatile int port;
    final Map<String, String> env;
    final List<String> jvm;
    final Path logDir;
    final Events events;
    volatile Process process;
    volatile double startedAt;
    volatile String state = "GONE";
    final AtomicInteger generation = new AtomicInteger();
    final List<double[]> rss = new CopyOnWriteArrayList<>();
    volatile double peakRssMiB;
    /** Set by the Kubernetes API stand-in when this slot's pod asked to be evicted. */
    final AtomicBoolean evictionRequested = new AtomicBoolean();
    /** Evicted pods still terminating (preStop, SIGTERM, grace period) beside the new one. */
    final List<Process> terminating = new CopyOnWriteArrayList<>();

    /** @param spare a second port for a replacement pod, or 0 */
    Slot(int index, int port, int spare, Map<String, String> env, List<String> jvm, Path logDir, Events events) {
        this.index = index;
        this.ports = spare > 0 ? new int[] {port, spare} : new int[] {port};
        this.port = port;
        this.env = env;
        this.jvm = jvm;
        this.logDir = logDir;
        this.events = events;
    }

    void start() throws IOException {
        int gen = generation.incrementAndGet();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.addAll(List.of("-jar", "target/rotor.jar"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("replica-" + index + ".log").toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("ROTOR_") || k.equals("PORT") || k.equals("REDIS_URL"));
        pb.environment().putAll(env);
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().put("ROTOR_HOST", "127.0.0.1");
        pb.environment().put("ROTOR_REPLICA_ID", "r" + index + "g" + gen);
        pb.environment().put("POD_NAME", "fleet-" + index);
        pb.environment().put("POD_NAMESPACE", "fleet");
        process = pb.start();
        startedAt = Harness.now();
        events.add(index, "start", "pid " + process.pid() + ", generation " + gen);
    }

    /** Start the replacement pod on the other port; the current one is the caller's to terminate. */
    void startReplacement() throws IOException {
        terminating.add(process);
        port = port == ports[0] ? ports[ports.length - 1] : ports[0];
        start();
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** At the end of a run: the current process and any still terminating, by PID. */
    void killAll() {
        kill();
        terminating.forEach(Process::destroyForcibly);
    }

    void awaitAll() throws InterruptedException {
        if (process != null) {
            process.waitFor(5, TimeUnit.SECONDS);
        }
        for (Process p : terminating) {
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL the current process (an OOM kill, or the end of a run). */
    void kill() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }
}
