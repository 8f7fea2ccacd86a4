import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The numbers of one run: status counts, failures, rotations, restarts, latency percentiles
 * during and between rotations, drains at once and ready replicas, from the load's
 * {@link Recorder}, the harness's {@link Events} and the replicas' logs; and the text table
 * they are printed as.
 */
final class Report {
    private Report() {
    }

    /** Summary numbers of one run. */
    record Summary(int requests, Map<Integer, Integer> byStatus, int failed, int connectionErrors, int rotations,
                   int restarts, double p50, double p99, double max, double p99During, double p99Between,
                   double p99Rejected, double p99Admitted, int maxDrainingAtOnce, double secondsWithNoneReady,
                   double meanReady) {
    }

    static double percentile(int[] sorted, int n, double p) {
        if (n == 0) {
            return 0;
        }
        return sorted[Math.min(n - 1, (int) Math.ceil(p * n) - 1 < 0 ? 0 : (int) Math.ceil(p * n) - 1)] / 1000.0;
    }

    /** Windows in which some replica was rotating: from its drain to its replacement serving. */
    static List<double[]> rotationWindows(List<Events.Event> logEvents) {
        List<double[]> windows = new ArrayList<>();
        Map<Integer, Double> open = new HashMap<>();
        for (Events.Event e : logEvents) {
            if (e.kind().equals("draining")) {
                open.putIfAbsent(e.slot(), e.t());
            } else if (e.kind().equals("serving") && open.containsKey(e.slot())) {
                windows.add(new double[] {open.remove(e.slot()), e.t()});
            }
        }
        open.values().forEach(start -> windows.add(new double[] {start, Double.MAX_VALUE}));
        return windows;
    }

    static boolean inside(List<double[]> windows, double t) {
        for (double[] w : windows) {
            if (t >= w[0] && t <= w[1]) {
                return true;
            }
        }
        return false;
    }

    /** @param from the first moment (seconds on {@link Harness#now()}'s clock) whose requests count, after a warm-up */
    static Summary summarize(Run run, Recorder r, double from) {
        List<Events.Event> logEvents = run.replicaEvents();
        int n = r.size();
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<double[]> windows = rotationWindows(logEvents);
        int[] all = new int[n];
        int[] during = new int[n];
        int[] between = new int[n];
        int[] rejected = new int[n];
        int[] admitted = new int[n];
        int nd = 0;
        int nb = 0;
        int nr = 0;
        int na = 0;
        int failed = 0;
        int errors = 0;
        int counted = 0;
        for (int i = 0; i < n; i++) {
            if (r.at[i] < from) {
                continue;
            }
            counted++;
            int code = r.status[i];
            byStatus.merge(code, 1, Integer::sum);
            if (code < 0) {
                errors++;
            }
            if (code < 200 || (code >= 300 && code != 429)) {
                failed++;
            }
            all[counted - 1] = r.micros[i];
            if (code == 503 || code == 429) {
                rejected[nr++] = r.micros[i];
            } else if (code >= 200 && code < 300) {
                admitted[na++] = r.micros[i];
            }
            if (inside(windows, r.at[i])) {
                during[nd++] = r.micros[i];
            } else {
                between[nb++] = r.micros[i];
            }
        }
        Arrays.sort(all, 0, counted);
        Arrays.sort(during, 0, nd);
        Arrays.sort(between, 0, nb);
        Arrays.sort(rejected, 0, nr);
        Arrays.sort(admitted, 0, na);
        int rotations = (int) logEvents.stream().filter(e -> e.kind().equals("draining")).count();
        int restarts = run.events.of("start").size() - run.slots.size();
        double[] readiness = readiness(run, logEvents);
        return new Summary(counted, byStatus, failed, errors, rotations, Math.max(0, restarts),
                           percentile(all, counted, 0.5), percentile(all, counted, 0.99),
                           counted == 0 ? 0 : all[counted - 1] / 1000.0,
                           percentile(during, nd, 0.99), percentile(between, nb, 0.99),
                           percentile(rejected, nr, 0.99), percentile(admitted, na, 0.99),
                           maxDrainingAtOnce(run, logEvents), readiness[0], readiness[1]);
    }

    /** @return {seconds with no replica ready, mean ready replicas} over the load, from the replicas' logs */
    static double[] readiness(Run run, List<Events.Event> logEvents) {
        Map<Integer, Boolean> ready = new HashMap<>();
        for (int i = 0; i < run.slots.size(); i++) {
            ready.put(i, true);
        }
        double none = 0;
        double weighted = 0;
        double last = run.loadStart;
        List<Events.Event> events = new ArrayList<>(logEvents);
        events.addAll(run.events.of("exit", "oom-kill"));
        events.sort(Comparator.comparingDouble(Events.Event::t));
        for (Events.Event e : events) {
            double t = Math.min(Math.max(e.t(), run.loadStart), run.loadEnd);
            long count = ready.values().stream().filter(b -> b).count();
            weighted += count * (t - last);
            if (count == 0) {
                none += t - last;
            }
            last = t;
            if (e.slot() >= 0) {
                ready.put(e.slot(), e.kind().equals("serving"));
            }
        }
        long count = ready.values().stream().filter(b -> b).count();
        weighted += count * (run.loadEnd - last);
        if (count == 0) {
            none += run.loadEnd - last;
        }
        return new double[] {none, weighted / Math.max(1e-9, run.loadEnd - run.loadStart)};
    }

    /** Pods draining at once: from a pod's drain to its exit (an evicted pod's may follow its replacement's start). */
    static int maxDrainingAtOnce(Run run, List<Events.Event> logEvents) {
        Set<String> draining = new HashSet<>();
        int max = 0;
        List<Events.Event> all = new ArrayList<>(logEvents);
        all.addAll(run.events.of("exit", "pod-exit", "liveness-failed"));
        all.sort(Comparator.comparingDouble(Events.Event::t));
        for (Events.Event e : all) {
            String generation = e.detail().replaceFirst("^(generation \\d+).*", "$1");
            switch (e.kind()) {
                case "draining" -> draining.add(e.slot() + " " + generation);
                case "pod-exit" -> draining.remove(e.slot() + " " + generation);
                // the slot's one process ended (compose, or a container restart in the same pod)
                case "exit", "liveness-failed" -> draining.removeIf(k -> k.startsWith(e.slot() + " "));
                default -> { }
            }
            max = Math.max(max, draining.size());
        }
        return max;
    }

    static String table(String title, Map<String, String> rows) {
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(10);
        StringBuilder b = new StringBuilder("\n" + title + "\n");
        rows.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", k, v)));
        return b.toString();
    }

    static Map<String, String> rows(Summary s) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("requests", String.valueOf(s.requests()));
        rows.put("responses by status", s.byStatus().toString().replace("-1=", "conn-error=").replace("-2=", "timeout="));
        rows.put("failed (non-2xx but 429, conn errors)", String.valueOf(s.failed()));
        rows.put("rotations (drains seen)", String.valueOf(s.rotations()));
        rows.put("restarts", String.valueOf(s.restarts()));
        rows.put("latency p50 / p99 / max (ms)", String.format(Locale.ROOT, "%.2f / %.2f / %.2f", s.p50(), s.p99(), s.max()));
        rows.put("p99 during rotations / between (ms)", String.format(Locale.ROOT, "%.2f / %.2f", s.p99During(), s.p99Between()));
        rows.put("most replicas draining at once (drain to exit)", String.valueOf(s.maxDrainingAtOnce()));
        rows.put("mean ready replicas / seconds with none ready", String.format(Locale.ROOT, "%.2f / %.1f",
                                                                                   s.meanReady(), s.secondsWithNoneReady()));
        return rows;
    }
}
