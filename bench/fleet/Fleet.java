import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The fleet harness: N replicas of the built jar as local processes behind Debian's HAProxy
 * (routing on readiness, as the compose file does), each under a supervisor that plays the
 * orchestrator, a bounded load through HAProxy, and a record of every response, connection
 * error, latency, rotation, restart and each replica's RSS once a second.
 *
 * <pre>
 * bench/fleet/run steady            # or: quick steady-kubelet k8s-service leak overload kubelet-backoff fleet-lease redis-outage redis-failover upstream-hang
 * </pre>
 *
 * A multi-file source program (JDK 22+: {@code java Fleet.java} compiles its siblings on
 * demand), one file per job:
 * <ul>
 *   <li>{@link Scenarios}: what each scenario runs and the targets it checks;</li>
 *   <li>{@link Run}: one run (slots, HAProxy, supervisors, watcher, load) and its state;</li>
 *   <li>{@link Slot}, {@link Supervisors} (compose, kubelet), {@link KubernetesApi} (eviction
 *       stand-in), {@link Manifests} (kubelet timings from {@code k8s/}), {@link Watch};</li>
 *   <li>{@link HaProxy}: its configuration and process;</li>
 *   <li>{@link Load}, {@link Client}, {@link Recorder}: the load and what it saw;</li>
 *   <li>{@link Report}, {@link ReplicaLogs}, {@link Events}: the numbers and where they come from;</li>
 *   <li>{@link Plots}: SVG plots; {@link ChatStandIn}: a chat upstream that can hang;</li>
 *   <li>{@link RedisFailover}: the {@code redis-failover} scenario and its Sentinel group.</li>
 * </ul>
 * Everything binds to 127.0.0.1; every loop is bounded in time; every process is stopped by PID.
 */
public final class Fleet {
    private Fleet() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.println("usage: bench/fleet/run SCENARIO [--seconds N] [--out DIR]");
            System.out.println("scenarios: " + String.join(" ", Scenarios.NAMES));
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path out = Path.of(opts.getOrDefault("out", "target/fleet/" + args[0]));
        Files.createDirectories(out);
        boolean ok = Scenarios.run(args[0], out, opts);
        System.exit(ok ? 0 : 1);
    }
}
