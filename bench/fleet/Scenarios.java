import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

/**
 * The scenarios of the fleet harness. Each prints a result table with its targets, writes
 * {@code summary.md} and SVG plots into its output folder, and returns whether its targets
 * were met (the {@code quick} scenario is what CI runs).
 */
final class Scenarios {
    static final List<String> NAMES = List.of("quick", "steady", "steady-kubelet", "k8s-service", "leak", "overload",
                                              "kubelet-backoff", "fleet-lease", "redis-outage", "redis-failover",
                                              "upstream-hang");
    static final List<String> JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");

    private Scenarios() {
    }

    static boolean run(String name, Path out, Map<String, String> opts) throws Exception {
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "0"));
        StringBuilder md = new StringBuilder("# fleet scenario `" + name + "`\n\n" + machine() + "\n\n");
        boolean ok = switch (name) {
            case "quick" -> quick(out, md, seconds > 0 ? seconds : 40);
            case "steady" -> steady(out, md, seconds > 0 ? seconds : 420, "compose");
            case "steady-kubelet" -> steady(out, md, seconds > 0 ? seconds : 540, "kubelet");
            case "k8s-service" -> kubernetesService(out, md, seconds > 0 ? seconds : 780, opts);
            case "leak" -> leak(out, md, seconds > 0 ? seconds : 90);
            case "overload" -> overload(out, md, seconds > 0 ? seconds : 20, opts);
            case "kubelet-backoff" -> kubeletBackoff(out, md, seconds > 0 ? seconds : 150);
            case "fleet-lease" -> fleetLease(out, md, seconds > 0 ? seconds : 180);
            case "redis-outage" -> redisOutage(out, md, seconds > 0 ? seconds : 60);
            case "redis-failover" -> RedisFailover.run(out, md, seconds > 0 ? seconds : 60);
            case "upstream-hang" -> upstreamHang(out, md, seconds > 0 ? seconds : 60);
            default -> throw new IllegalArgumentException("unknown scenario " + name + "; one of " + NAMES);
        };
        Files.writeString(out.resolve("summary.md"), md.toString());
        Harness.log("summary, plots and logs in " + out);
        return ok;
    }

    static String machine() {
        return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + "; date " + LocalDate.now() + ".";
    }

    static Map<String, String> env(String... pairs) {
        Map<String, String> m = new HashMap<>();
        m.put("ROTOR_LEAK_REPORT", "false");
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** 90% cheap banner, 10% a 20 ms "query". */
    static final Run.Paths MIXED = (run, i) -> i % 10 == 0 ? "/demo/work?ms=20" : "/";
    static final Run.Paths CHEAP = (run, i) -> "/";

    static String check(boolean met) {
        return met ? "met" : "NOT MET";
    }

    static void report(StringBuilder md, String title, Report.Summary s, Map<String, String> targets) {
        Map<String, String> rows = Report.rows(s);
        System.out.print(Report.table(title, rows));
        md.append("## ").append(title).append("\n\n| measure | value |\n|---|---|\n");
        rows.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        if (!targets.isEmpty()) {
            System.out.print(Report.table("targets", targets));
            md.append("\n| target | result |\n|---|---|\n");
            targets.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        }
        md.append('\n');
    }

    // ---------------------------------------------------------------- quick (CI)

    static boolean quick(Path out, StringBuilder md, int seconds) throws Exception {
        Run.Result r;
        try (RedisProcess redis = RedisProcess.start()) {
            r = Run.execute(new Run.Spec("quick", 2, "compose",
                    env("ROTOR_MAX_REQUESTS", "200", "ROTOR_MAX_REQUESTS_JITTER", "40", "ROTOR_DRAIN_PERIOD", "PT2S",
                        "ROTOR_EXIT_MODE", "exit", "ROTOR_DEMO_ENDPOINTS", "true", "REDIS_URL", redis.url(),
                        "ROTOR_ROTATION_LEASE_RETRY", "PT0.2S", "ROTOR_ROTATION_LEASE_HOLD", "PT3S"),
                    JVM, 4, 40, Duration.ofSeconds(seconds), "200ms", 2, 0, MIXED, null), out);
        }
        Report.Summary s = r.summary();
        boolean ok = s.failed() == 0 && s.rotations() >= 2;
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("zero failed requests", check(s.failed() == 0) + " (" + s.failed() + ")");
        targets.put("at least 2 rotations", check(s.rotations() >= 2) + " (" + s.rotations() + ")");
        report(md, "quick: 2 replicas, compose supervisor, Redis lease, quota 200 ± 40, 40 req/s for " + seconds + " s",
               s, targets);
        Plots.rss(out.resolve("rss.svg"), "quick: RSS per replica (dashed: drains)", r.run(), Harness.now(), 0);
        // the plain line that CI runners read
        System.out.println("fleet quick: " + (s.requests() - s.failed()) + " passed, " + s.failed() + " failed");
        return ok;
    }

    // ---------------------------------------------------------------- steady

    static boolean steady(Path out, StringBuilder md, int seconds, String supervisor) throws Exception {
        Run.Result r;
        try (RedisProcess redis = RedisProcess.start()) {
            Map<String, String> e = env("ROTOR_DRAIN_PERIOD", "PT2S", "ROTOR_DEMO_ENDPOINTS", "true",
                                        "REDIS_URL", redis.url(), "ROTOR_ROTATION_LEASE_RETRY", "PT0.2S");
            // under the kubelet, self-eviction: a fresh pod per rotation, no restart back-off
            e.put("ROTOR_EXIT_MODE", supervisor.equals("compose") ? "exit" : "evict");
            r = Run.execute(new Run.Spec("steady", 2, supervisor, e, JVM, 8, 120, Duration.ofSeconds(seconds),
                                            "250ms", 2, 0, MIXED, null), out);
        }
        Report.Summary s = r.summary();
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("zero failed requests", check(s.failed() == 0) + " (" + s.failed() + ")");
        targets.put("at least 50 rotations", check(s.rotations() >= 50) + " (" + s.rotations() + ")");
        targets.put("p99 during rotations <= 2x p99 between", check(s.p99During() <= 2 * s.p99Between())
                + String.format(Locale.ROOT, " (%.2f vs %.2f ms)", s.p99During(), s.p99Between()));
        report(md, "steady (" + supervisor + "): 2 replicas, Redis lease, quota 800 ± 200, 120 req/s (90% GET /, 10% 20 ms work), "
                + seconds + " s", s, targets);
        if (!r.backoffs().isEmpty()) {
            md.append("Kubernetes restart back-offs applied: ").append(backoffs(r)).append("\n\n");
        }
        String tag = supervisor.equals("compose") ? "steady" : "steady-kubelet";
        Path docs = Files.createDirectories(Path.of("docs/fleet"));
        Plots.rss(docs.resolve(tag + "-rss.svg"), tag + ": RSS per replica (dashed: drains)", r.run(), Harness.now(), 0);
        Plots.latency(docs.resolve(tag + "-latency.svg"), tag + ": latency per second (grey: drains)", r.run(), r.recorder(),
                      r.seconds());
        return s.failed() == 0 && s.rotations() >= 50;
    }

    // ---------------------------------------------------------------- k8s-service

    /**
     * Issue 23's Kubernetes question: a Service has no queue, so does a rotation at the base's
     * documented load (up to 100 requests in flight) lose anything? The base exactly as
     * {@code kubectl kustomize k8s/} renders it (replicas, readiness probe, the ConfigMap's
     * settings: liveness mode, 10-minute minimum lifetime, memory triggers, queue, fleet lease
     * and its hold), the kubelet stand-in (liveness, preStop, grace, restart back-off from the
     * manifests), a Service stand-in (random per connection, no queue, no retry), and 100
     * closed-loop clients on kept-alive connections, each asking for 100 ms of work, paced to
     * 900 requests/s in all (about 90 in flight). Overridden, and why: Redis (a local
     * server), the rate limit (off: every client here has one address), text logs (the
     * harness reads them), the demo route, the container-memory trigger (off: these JVMs share
     * the harness's cgroup, not a pod's); {@code --min-lifetime} and {@code --queue-length}
     * and {@code --max-requests} change the base's for a comparison, {@code --kustomization k8s/overlays/evict} renders
     * another folder (evict mode: each rotation a new pod through the Eviction API stand-in). With the base's 10-minute minimum lifetime the
     * replicas first rotate after 10 minutes, one at a time (the lease): 780 s sees each rotate.
     */
    static boolean kubernetesService(Path out, StringBuilder md, int seconds, Map<String, String> opts) throws Exception {
        Manifests.Base base = Manifests.base(opts.getOrDefault("kustomization", "k8s/"));
        int workers = Integer.parseInt(opts.getOrDefault("clients", "100"));
        double rate = Double.parseDouble(opts.getOrDefault("rate", "900"));
        int workMs = Integer.parseInt(opts.getOrDefault("work-ms", "100"));
        Run.Result r;
        Map<String, String> e;
        try (RedisProcess redis = RedisProcess.start()) {
            e = env();
            e.putAll(base.settings());
            e.putAll(env("REDIS_URL", redis.url(), "ROTOR_RATE_LIMIT", "0", "ROTOR_LOG_FORMAT", "text",
                         "ROTOR_ACCESS_LOG", "false", "ROTOR_DEMO_ENDPOINTS", "true", "ROTOR_MAX_CONTAINER_MEMORY", "0"));
            if (opts.containsKey("min-lifetime")) {
                e.put("ROTOR_MIN_LIFETIME", opts.get("min-lifetime"));
            }
            if (opts.containsKey("max-requests")) {
                e.put("ROTOR_MAX_REQUESTS", opts.get("max-requests"));
            }
            if (opts.containsKey("queue-length")) {
                e.put("ROTOR_QUEUE_LENGTH", opts.get("queue-length"));
            }
            Run.Paths work = (run, i) -> "/demo/work?ms=" + workMs;
            r = Run.execute(new Run.Spec("k8s-service", base.replicas(), "kubelet", e, JVM, workers, rate,
                                         Duration.ofSeconds(seconds), "250ms", 2, 0, work, null, base), out);
        }
        Report.Summary s = r.summary();
        // latencies after the first 20 s: 100 clients connect at once to JVMs whose JIT is
        // still busy; failures are counted over the whole run
        Report.Summary warm = Report.summarize(r.run(), r.recorder(), r.run().loadStart + 20);
        long refused = s.byStatus().getOrDefault(503, 0);
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("zero failed requests", check(s.failed() == 0) + " (" + s.failed() + "; 503: " + refused
                + ", connection errors: " + s.connectionErrors() + ")");
        // where the failures fell: inside a rotation (a drain to its replacement serving) or between
        List<double[]> windows = Report.rotationWindows(r.run().replicaEvents());
        long failedDuring = 0;
        for (int i = 0; i < r.recorder().size(); i++) {
            int code = r.recorder().status[i];
            if ((code < 200 || code >= 300 && code != 429) && Report.inside(windows, r.recorder().at[i])) {
                failedDuring++;
            }
        }
        targets.put("failed during rotations / between", failedDuring + " / " + (s.failed() - failedDuring));
        targets.put("every replica rotated", check(s.rotations() >= base.replicas()) + " (" + s.rotations() + ")");
        targets.put("one replica draining at a time", check(s.maxDrainingAtOnce() <= 1) + " (" + s.maxDrainingAtOnce() + ")");
        targets.put("after 20 s: p50 / p99 / max; p99 during rotations / between", String.format(Locale.ROOT,
                "%.1f / %.1f / %.0f ms; %.1f / %.1f ms", warm.p50(), warm.p99(), warm.max(), warm.p99During(), warm.p99Between()));
        report(md, String.format(Locale.ROOT, "k8s-service: " + opts.getOrDefault("kustomization", "k8s/") + " (%d replicas, %s exit mode, quota "
                + e.getOrDefault("ROTOR_MAX_REQUESTS", "800 (the default)") + ", minimum lifetime %s, %s permits + queue %s for %s), kubelet stand-in, Service stand-in; %d clients, %d ms each, %.0f req/s, %d s",
                base.replicas(), e.get("ROTOR_EXIT_MODE"), e.get("ROTOR_MIN_LIFETIME"), e.get("MAX_CONCURRENT_REQUESTS"),
                e.get("ROTOR_QUEUE_LENGTH"), e.get("ROTOR_QUEUE_TIMEOUT"), workers, workMs, rate, seconds), s, targets);
        if (!r.backoffs().isEmpty()) {
            md.append("Kubernetes restart back-offs applied: ").append(backoffs(r)).append("\n\n");
        }
        Plots.latency(out.resolve("latency.svg"), "k8s-service: latency per second (grey: rotations)", r.run(), r.recorder(),
                      r.seconds());
        return s.failed() == 0 && s.rotations() >= base.replicas() && s.maxDrainingAtOnce() <= 1;
    }

    static String backoffs(Run.Result r) {
        List<String> parts = new ArrayList<>();
        for (double[] b : r.backoffs()) {
            parts.add(String.format(Locale.ROOT, "replica %d after %.0fs up: %.0fs", (int) b[1], b[3], b[2]));
        }
        return String.join("; ", parts);
    }

    // ---------------------------------------------------------------- leak

    static boolean leak(Path out, StringBuilder md, int seconds) throws Exception {
        long limit = 400;
        List<String> jvm = List.of("-Xmx1g", "-XX:+UseSerialGC");
        boolean ok = true;
        Path docs = Files.createDirectories(Path.of("docs/fleet"));
        for (boolean rotating : new boolean[] {true, false}) {
            Map<String, String> e = env("ROTOR_DEMO_LEAK_BYTES_PER_REQUEST", "65536", "ROTOR_DRAIN_PERIOD", "PT2S",
                                        "ROTOR_EXIT_MODE", "exit", "ROTOR_MAX_REQUESTS", rotating ? "800" : "0");
            Run.Result r = Run.execute(new Run.Spec("leak", 2, "compose", e, jvm, 8, 100,
                                                            Duration.ofSeconds(seconds), "250ms", 2, limit, CHEAP, null),
                                          out.resolve(rotating ? "rotating" : "not-rotating"));
            Report.Summary s = r.summary();
            double peak = r.slots().stream().mapToDouble(x -> x.peakRssMiB).max().orElse(0);
            long kills = r.events().stream().filter(x -> x.kind().equals("oom-kill")).count();
            Map<String, String> targets = new LinkedHashMap<>();
            if (rotating) {
                targets.put("peak RSS per replica under the " + limit + " MiB limit", check(peak < limit)
                        + String.format(Locale.ROOT, " (peak %.0f MiB, %d OOM kills)", peak, kills));
                ok &= peak < limit;
            } else {
                targets.put("without rotation the limit is crossed", check(kills > 0)
                        + String.format(Locale.ROOT, " (peak %.0f MiB, %d OOM kills)", peak, kills));
                ok &= kills > 0;
            }
            report(md, "leak, " + (rotating ? "with rotation (quota 800 ± 200)" : "without rotation")
                    + ": 64 KiB kept per request, 100 req/s over 2 replicas, " + limit + " MiB limit (supervisor kills above it)",
                   s, targets);
            Plots.rss(docs.resolve("leak-" + (rotating ? "rotating" : "not-rotating") + "-rss.svg"),
                      "leak " + (rotating ? "with" : "without") + " rotation: RSS per replica", r.run(),
                      Harness.now(), limit);
        }
        return ok;
    }

    // ---------------------------------------------------------------- overload

    /** One overload run: {@code clients} against {@code limit} permits, paced to {@code rate} in all (0 = unpaced). */
    record Overload(String name, int limit, int clients, int workMs, double rate, boolean target) {
    }

    /**
     * Offered concurrency 10x the limit, three ways (or one, given {@code --limit --clients
     * --work-ms --rate}): 50 closed-loop clients against 5 permits, each with a request always
     * open; the shipped 50 permits against 500 clients each asking once per 500 ms of work
     * (1,000 req/s offered, 500 in flight if all were admitted); and 500 closed-loop clients
     * against 50 permits, where the machine's 2 cores, not the replica, set the latency.
     * Each run has a warm-up that the numbers leave out (the replica's JIT, the client's threads).
     */
    static boolean overload(Path out, StringBuilder md, int seconds, Map<String, String> opts) throws Exception {
        List<Overload> runs = opts.containsKey("limit")
                ? List.of(new Overload("custom", Integer.parseInt(opts.get("limit")),
                                       Integer.parseInt(opts.getOrDefault("clients", String.valueOf(10 * Integer.parseInt(opts.get("limit"))))),
                                       Integer.parseInt(opts.getOrDefault("work-ms", "50")),
                                       Double.parseDouble(opts.getOrDefault("rate", "0")), true))
                : List.of(new Overload("closed-loop", 5, 50, 50, 0, true),
                          new Overload("shipped-limit", 50, 500, 500, 1000, true),
                          new Overload("saturated", 50, 500, 50, 0, false));
        int warmup = 5;
        boolean ok = true;
        for (Overload o : runs) {
            Map<String, String> e = env("ROTOR_MAX_REQUESTS", "0", "ROTOR_DEMO_ENDPOINTS", "true",
                                        "MAX_CONCURRENT_REQUESTS", String.valueOf(o.limit()));
            Run.Paths work = (run, i) -> "/demo/work?ms=" + o.workMs();
            int calmClients = Math.max(1, o.limit() / 5);
            Run.Result calm = Run.execute(new Run.Spec("overload-calm", 1, "compose", e, JVM, calmClients, 0,
                                                               Duration.ofSeconds(warmup + 10), "250ms", 2, 0, work, null),
                                             out.resolve(o.name() + "-calm"));
            Report.Summary c = Report.summarize(calm.run(), calm.recorder(), calm.run().loadStart + warmup);
            Run.Result hot = Run.execute(new Run.Spec("overload", 1, "compose", e, JVM, o.clients(), o.rate(),
                                                              Duration.ofSeconds(warmup + seconds), "250ms", 2, 0, work, null),
                                            out.resolve(o.name()));
            double from = hot.run().loadStart + warmup;
            Report.Summary s = Report.summarize(hot.run(), hot.recorder(), from);
            List<double[]> rss = hot.slots().get(0).rss;
            double first = rss.stream().filter(x -> x[0] >= from).mapToDouble(x -> x[1]).findFirst().orElse(0);
            double last = rss.isEmpty() ? 0 : rss.get(rss.size() - 1)[1];
            double peak = rss.stream().filter(x -> x[0] >= from).mapToDouble(x -> x[1]).max().orElse(0);
            boolean fast = s.p99Rejected() < 10;
            boolean fair = s.p99Admitted() <= 1.5 * c.p99Admitted();
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("rejected answered in under 10 ms at p99", check(fast)
                    + String.format(Locale.ROOT, " (%.2f ms)", s.p99Rejected()));
            targets.put("admitted p99 <= 1.5x unloaded p99", check(fair)
                    + String.format(Locale.ROOT, " (%.2f vs %.2f ms)", s.p99Admitted(), c.p99Admitted()));
            targets.put("RSS flat (after warm-up, end, peak)", String.format(Locale.ROOT, "%.0f MiB -> %.0f MiB, peak %.0f MiB",
                                                                             first, last, peak));
            report(md, "overload " + o.name() + ": " + o.clients() + " clients "
                    + (o.rate() > 0 ? String.format(Locale.ROOT, "paced to %.0f req/s in all", o.rate()) : "unpaced (closed loop)")
                    + ", limit " + o.limit() + ", /demo/work?ms=" + o.workMs() + ", " + seconds + " s after a "
                    + warmup + " s warm-up" + (o.target() ? "" : " (saturation: no target)"), s, targets);
            report(md, "overload " + o.name() + " baseline: " + calmClients + " unpaced clients", c, Map.of());
            if (o.target()) {
                ok &= fast && fair;
            }
        }
        return ok;
    }

    // ---------------------------------------------------------------- kubelet back-off

    static boolean kubeletBackoff(Path out, StringBuilder md, int seconds) throws Exception {
        for (String minLifetime : new String[] {"PT0S", "PT10M"}) {
            Map<String, String> e = env("ROTOR_MAX_REQUESTS", "300", "ROTOR_MAX_REQUESTS_JITTER", "50",
                                        "ROTOR_DRAIN_PERIOD", "PT2S", "ROTOR_EXIT_MODE", "liveness",
                                        "ROTOR_MIN_LIFETIME", minLifetime);
            Run.Result r = Run.execute(new Run.Spec("kubelet-backoff", 2, "kubelet", e, JVM, 4, 20,
                                                            Duration.ofSeconds(seconds), "250ms", 2, 0, CHEAP, null),
                                          out.resolve("min-lifetime-" + minLifetime));
            report(md, "kubelet-backoff, ROTOR_MIN_LIFETIME=" + minLifetime + ": 2 replicas, quota 300 ± 50, 20 req/s, "
                    + seconds + " s", r.summary(), Map.of());
            String delays = r.backoffs().isEmpty() ? "none" : backoffs(r);
            md.append("Restart back-offs the kubelet applied: ").append(delays).append("\n\n");
            System.out.println("  back-offs: " + delays);
        }
        return true;
    }

    // ---------------------------------------------------------------- fleet lease

    static boolean fleetLease(Path out, StringBuilder md, int seconds) throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            for (int slots : new int[] {1, 0}) {
                Map<String, String> e = env("ROTOR_MAX_REQUESTS", "1500", "ROTOR_MAX_REQUESTS_JITTER", "300",
                                            "ROTOR_DRAIN_PERIOD", "PT3S", "ROTOR_EXIT_MODE", "exit",
                                            "REDIS_URL", redis.url(), "ROTOR_SERVICE_NAME", "fleet-lease-" + slots,
                                            "ROTOR_MAX_CONCURRENT_ROTATIONS", String.valueOf(slots),
                                            "ROTOR_ROTATION_LEASE_RETRY", "PT0.2S");
                Run.Result r = Run.execute(new Run.Spec("fleet-lease", 4, "compose", e, JVM, 8, 120,
                                                                Duration.ofSeconds(seconds), "250ms", 2, 0, CHEAP, null),
                                              out.resolve("slots-" + slots));
                report(md, "fleet-lease, " + (slots == 0 ? "no lease (jitter alone)" : "lease of " + slots + " slot")
                        + ": 4 replicas, quota 1500 ± 300, 120 req/s, " + seconds + " s", r.summary(), Map.of());
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- redis outage

    static boolean redisOutage(Path out, StringBuilder md, int seconds) throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            Map<String, String> e = env("ROTOR_MAX_REQUESTS", "0", "REDIS_URL", redis.url(),
                                        "ROTOR_RATE_LIMIT", "1000000/PT1M");
            long third = seconds / 3;
            double[] fallbackAfter = {-1};
            double[] sharedAgainAfter = {-1};
            String decisions = "rotor_admission_rate_decisions_total";
            Run.Result r = Run.execute(new Run.Spec("redis-outage", 2, "compose", e, JVM, 8, 200,
                                                            Duration.ofSeconds(seconds), "250ms", 2, 0, CHEAP, run -> {
                int port = run.slots.get(0).port;
                Harness.sleep(Duration.ofSeconds(third));
                fallbackAfter[0] = secondsUntilGrows(port, decisions, "backend=\"local\"", third, () -> {
                    redis.stop();
                    run.events.add(-1, "redis-stopped", "");
                });
                run.events.add(-1, "local-fallback-seen", String.format(Locale.ROOT, "%.2fs after the stop", fallbackAfter[0]));
                Harness.sleep(Duration.ofSeconds(third).minus(Duration.ofMillis((long) (fallbackAfter[0] * 1000))));
                sharedAgainAfter[0] = secondsUntilGrows(port, decisions, "backend=\"redis\"", third, () -> {
                    redis.restart();
                    run.events.add(-1, "redis-started", "");
                });
                run.events.add(-1, "shared-limit-seen", String.format(Locale.ROOT, "%.2fs after the restart", sharedAgainAfter[0]));
            }), out);
            Report.Summary s = r.summary();
            long fiveHundreds = s.byStatus().entrySet().stream().filter(x -> x.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("zero 5xx", check(fiveHundreds == 0) + " (" + fiveHundreds + ")");
            targets.put("local fallback within 1 s", check(fallbackAfter[0] >= 0 && fallbackAfter[0] <= 1)
                    + String.format(Locale.ROOT, " (%.2f s)", fallbackAfter[0]));
            targets.put("shared limit back within 5 s", check(sharedAgainAfter[0] >= 0 && sharedAgainAfter[0] <= 5)
                    + String.format(Locale.ROOT, " (%.2f s)", sharedAgainAfter[0]));
            report(md, "redis-outage: Redis stopped for the middle third of " + seconds + " s, 200 req/s, 2 replicas, "
                    + "rate limit on (never rejecting)", s, targets);
            return fiveHundreds == 0 && fallbackAfter[0] <= 1 && sharedAgainAfter[0] <= 5;
        }
    }

    // ---------------------------------------------------------------- upstream hang

    static boolean upstreamHang(Path out, StringBuilder md, int seconds) throws Exception {
        int cap = 10;
        long timeoutMs = 2000;
        try (ChatStandIn chat = new ChatStandIn()) {
            Map<String, String> e = env("ROTOR_MAX_REQUESTS", "0", "ROTOR_CHAT_BASE_URL", "http://127.0.0.1:" + chat.port() + "/v1",
                                        "TOGETHER_API_TIMEOUT", "PT" + timeoutMs / 1000 + "S",
                                        "ROTOR_HTTP_MAX_CONNECTIONS", String.valueOf(cap));
            List<String> sessions = new java.util.concurrent.CopyOnWriteArrayList<>();
            // half the workers post chat messages (to 20 sessions made on first use), half read the banner
            Run.Paths paths = (run, i) -> {
                if (i % 2 == 0) {
                    return "/";
                }
                synchronized (sessions) {
                    while (sessions.size() < 20) {
                        try (Client c = new Client(run.frontPort)) {
                            if (c.get("POST /api/sessions {}") == 201) {
                                String b = c.body;
                                int k = b.indexOf("\"id\":\"") + 6;
                                sessions.add(b.substring(k, b.indexOf('"', k)));
                            }
                        }
                    }
                }
                return "POST /api/sessions/" + sessions.get(i % sessions.size()) + "/messages {\"content\":\"hello\"}";
            };
            long third = seconds / 3;
            double[] hang = {0, 0};
            // the kernel's count of established connections to the stand-in, every 20 ms: the
            // stand-in's own count lags a replica's abort-and-reconnect by its read poll
            java.util.concurrent.atomic.AtomicInteger kernelPeak = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    kernelPeak.accumulateAndGet(established(chat.port()), Math::max);
                    Harness.sleep(Duration.ofMillis(20));
                }
            });
            Run.Result r = Run.execute(new Run.Spec("upstream-hang", 1, "compose", e, JVM, 40, 0,
                                                            Duration.ofSeconds(seconds), "250ms", 2, 0, paths, run -> {
                Harness.sleep(Duration.ofSeconds(third));
                chat.hanging.set(true);
                hang[0] = Harness.now();
                run.events.add(-1, "chat-hangs", "");
                Harness.sleep(Duration.ofSeconds(third));
                chat.hanging.set(false);
                hang[1] = Harness.now();
                run.events.add(-1, "chat-answers", "");
            }), out);
            sampling.set(false);
            sampler.join();
            Recorder rec = r.recorder();
            long slowestChatDuringHang = 0;
            Map<Integer, Integer> chatDuring = new java.util.TreeMap<>();
            List<Integer> bannerBefore = new ArrayList<>();
            List<Integer> bannerDuring = new ArrayList<>();
            for (int i = 0; i < rec.size(); i++) {
                boolean during = rec.at[i] >= hang[0] && rec.at[i] < hang[1];
                if (rec.kind[i] == 1 && during) {
                    slowestChatDuringHang = Math.max(slowestChatDuringHang, rec.micros[i]);
                    chatDuring.merge((int) rec.status[i], 1, Integer::sum);
                } else if (rec.kind[i] == 0) {
                    (during ? bannerDuring : rec.at[i] < hang[0] ? bannerBefore : new ArrayList<Integer>()).add(rec.micros[i]);
                }
            }
            double before = p99(bannerBefore);
            double duringP99 = p99(bannerDuring);
            long bannerFailures = java.util.stream.IntStream.range(0, rec.size())
                    .filter(i -> rec.kind[i] == 0 && rec.status[i] != 200).count();
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("chat requests during the hang end by the timeout + 1 s",
                        check(slowestChatDuringHang / 1000 <= timeoutMs + 1000)
                                + String.format(Locale.ROOT, " (slowest %d ms; answers %s)", slowestChatDuringHang / 1000, chatDuring));
            targets.put("other routes unaffected (GET / all 200; p99 before / during)", check(bannerFailures == 0)
                    + String.format(Locale.ROOT, " (%d failed; %.1f / %.1f ms)", bannerFailures, before, duringP99));
            targets.put("outbound connections never above the cap of " + cap, check(kernelPeak.get() <= cap)
                    + " (most established at once, sampled from the kernel every 20 ms: " + kernelPeak.get()
                    + "; the stand-in's own count, which lags closes: " + chat.maxOpen.get() + ")");
            report(md, "upstream-hang: chat stand-in stops answering for the middle third of " + seconds
                    + " s; 40 unpaced clients, half chat, half GET /; 1 replica, chat timeout " + timeoutMs + " ms", r.summary(), targets);
            return slowestChatDuringHang / 1000 <= timeoutMs + 1000 && bannerFailures == 0 && kernelPeak.get() <= cap;
        }
    }

    /** @return established TCP connections whose remote port is {@code port} (the client side, from the replica) */
    static int established(int port) {
        try {
            Process p = new ProcessBuilder("ss", "-tnH", "state", "established", "dport", "= :" + port)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return (int) out.lines().filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static double p99(List<Integer> micros) {
        if (micros.isEmpty()) {
            return 0;
        }
        List<Integer> sorted = new ArrayList<>(micros);
        java.util.Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(0.99 * sorted.size()) - 1)) / 1000.0;
    }

    /**
     * @return seconds from {@code action} until the meter with {@code label} grows (polled every
     *         20 ms, at most {@code limitSeconds})
     */
    static double secondsUntilGrows(int port, String meter, String label, long limitSeconds, Runnable action) {
        double before = Client.metric(port, meter, label);
        action.run();
        double start = Harness.now();
        while (Harness.now() - start < limitSeconds && Client.metric(port, meter, label) <= before) {
            Harness.sleep(Duration.ofMillis(20));
        }
        return Harness.now() - start;
    }

    /** A real redis-server for the scenarios that need one: from PATH, else the embedded-redis jar's. */
    static final class RedisProcess implements AutoCloseable {
        final Path binary;
        final int port;
        Process process;
        Path dir;

        RedisProcess(Path binary, int port) {
            this.binary = binary;
            this.port = port;
        }

        static RedisProcess start() throws Exception {
            RedisProcess r = new RedisProcess(binary(), Harness.freePort());
            r.restart();
            return r;
        }

        String url() {
            return "redis://127.0.0.1:" + port;
        }

        void restart() {
            try {
                if (dir == null) {
                    // whatever Redis writes goes into a temp folder, never the project folder
                    dir = Files.createTempDirectory("fleet-redis-");
                    dir.toFile().deleteOnExit();
                }
                process = new ProcessBuilder(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                                             "--dir", dir.toString(), "--save", "", "--appendonly", "no")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) {
                    try (var s = new java.net.Socket("127.0.0.1", port)) {
                        return;
                    } catch (IOException e) {
                        Harness.sleep(Duration.ofMillis(50));
                    }
                }
                throw new IllegalStateException("redis-server did not start");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void stop() {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stop();
        }

        static Path binary() throws IOException {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path p = Path.of(dir, "redis-server");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
            Path m2 = Path.of(System.getProperty("user.home"), ".m2/repository/com/github/codemonstur/embedded-redis");
            if (Files.isDirectory(m2)) {
                try (var jars = Files.walk(m2)) {
                    for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                        try (JarFile jf = new JarFile(jar.toFile())) {
                            var entry = jf.getEntry("redis-server-6.2.6-v5-linux-amd64");
                            if (entry != null) {
                                Path file = Files.createTempFile("fleet-redis-", "");
                                try (InputStream in = jf.getInputStream(entry)) {
                                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                                }
                                file.toFile().setExecutable(true);
                                file.toFile().deleteOnExit();
                                return file;
                            }
                        }
                    }
                }
            }
            throw new IllegalStateException("no redis-server: apt-get install redis-server (or run bin/test once)");
        }
    }
}
