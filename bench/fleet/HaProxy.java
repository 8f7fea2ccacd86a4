import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's HAProxy in front of the slots, as the compose file's front door: its configuration
 * (one backend of ready replicas, one of live ones, active checks on the probe paths) and its
 * process, whose log the harness reads to see servers go down.
 */
final class HaProxy {
    private HaProxy() {
    }

    /** One backend of every slot, checked on {@code path} over HTTP/1.1. */
    private static void backend(StringBuilder cfg, String name, String path, List<Slot> slots, String inter, int fall) {
        cfg.append("""
                backend %s
                    balance roundrobin
                    http-check send meth GET uri %s ver HTTP/1.1 hdr Host localhost
                    http-check expect status 200
                    default-server check inter %s fall %d rise 1
                """.formatted(name, path, inter, fall));
        for (Slot s : slots) {
            for (int i = 0; i < s.ports.length; i++) {
                cfg.append("    server r").append(s.index).append(i == 0 ? "" : "b").append(" 127.0.0.1:")
                        .append(s.ports[i]).append('\n');
            }
        }
    }

    /**
     * HAProxy as a Kubernetes Service (kube-proxy) would route: each new connection to a ready
     * pod at random and kept there (TCP, not per request), no queue, no retry, no redispatch,
     * and no fallback when no pod is ready. Readiness is checked as the kubelet probes it
     * ({@code periodSeconds}, {@code failureThreshold}, {@code successThreshold}), with one
     * more period for the endpoint update to reach kube-proxy. A pod that turns unready keeps
     * its open connections (conntrack), as here.
     */
    static Process startService(Path dir, int port, List<Slot> slots, int periodSeconds, int failures, int successes)
            throws IOException {
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 4096
                defaults
                    mode tcp
                    timeout connect 1s
                    timeout client 60s
                    timeout server 90s
                    retries 0
                frontend service
                    bind 127.0.0.1:%d
                    default_backend ready
                backend ready
                    balance random
                    option httpchk
                    http-check send meth GET uri /observe/health/ready ver HTTP/1.1 hdr Host localhost
                    http-check expect status 200
                    default-server check inter %ds fall %d rise %d
                """.formatted(port, periodSeconds, failures + 1, successes));
        for (Slot s : slots) {
            for (int i = 0; i < s.ports.length; i++) {
                cfg.append("    server r").append(s.index).append(i == 0 ? "" : "b").append(" 127.0.0.1:")
                        .append(s.ports[i]).append('\n');
            }
        }
        return launch(dir, cfg);
    }

    /** Debian's HAProxy in front of the slots, with active readiness checks. */
    static Process start(Path dir, int port, List<Slot> slots, String inter, int fall) throws IOException {
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 4096
                    # keep pooling connections to the replicas however many clients are
                    # connected (as deploy/haproxy.cfg; HaproxyReuseIT)
                    tune.pool-low-fd-ratio 80
                    tune.pool-high-fd-ratio 90
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 30s
                    timeout server 30s
                    retries 3
                    option redispatch
                    # only a connection that failed is retried elsewhere (as deploy/haproxy.cfg):
                    # an empty response may come from a request that already ran on a dying
                    # replica, and retrying a POST would run it twice
                    retry-on conn-failure
                    # Helidon 4 refuses HTTP/1.0, which a bare "option httpchk GET /path" sends
                    option httpchk
                frontend front
                    bind 127.0.0.1:%d
                    http-request disable-l7-retry if !METH_GET !METH_HEAD
                    # ready replicas first; when none is ready (every replica draining at once),
                    # draining replicas still answer, so send the traffic to whichever is alive
                    use_backend ready if { nbsrv(ready) gt 0 }
                    default_backend alive
                """.formatted(port));
        backend(cfg, "ready", "/observe/health/ready", slots, inter, fall);
        backend(cfg, "alive", "/observe/health/live", slots, inter, fall);
        return launch(dir, cfg);
    }

    /** Writes the configuration beside the run's logs and starts HAProxy on it, logging to haproxy.log. */
    private static Process launch(Path dir, StringBuilder cfg) throws IOException {
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg.toString());
        return new ProcessBuilder("haproxy", "-db", "-f", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile())
                .start();
    }
}
