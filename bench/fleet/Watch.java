import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The harness's eye on the replicas during a run: their state from {@code /observe/replica},
 * their RSS from {@code /proc}, and the memory limit's kill (as a container runtime's OOM
 * killer would) when a run sets one.
 */
final class Watch {
    private Watch() {
    }

    /** Every 200 ms: each replica's state; every second: its RSS (and the memory limit, if any). */
    static void run(List<Slot> slots, AtomicBoolean running, long memoryLimitMiB) {
        int tick = 0;
        while (running.get()) {
            for (Slot s : slots) {
                if (!s.alive()) {
                    s.state = "GONE";
                    continue;
                }
                String body = Client.get(s.port, "/observe/replica");
                int i = body.indexOf("\"state\":\"");
                String state = i < 0 ? "STARTING" : body.substring(i + 9, body.indexOf('"', i + 9));
                if (!state.equals(s.state)) {
                    if (state.equals("DRAINING")) {
                        int c = body.indexOf("\"cause\":\"");
                        s.events.add(s.index, "draining", c < 0 ? "" : body.substring(c + 9, body.indexOf('"', c + 9)));
                    } else if (state.equals("SERVING")) {
                        s.events.add(s.index, "serving", String.format(Locale.ROOT, "%.2fs after start", Harness.now() - s.startedAt));
                    }
                    s.state = state;
                }
                if (tick % 5 == 0) {
                    double mib = rssMiB(s.process.pid());
                    if (mib > 0) {
                        s.rss.add(new double[] {Harness.now(), mib});
                        s.peakRssMiB = Math.max(s.peakRssMiB, mib);
                        if (memoryLimitMiB > 0 && mib > memoryLimitMiB) {
                            s.events.add(s.index, "oom-kill", String.format(Locale.ROOT, "RSS %.0f MiB over the %d MiB limit",
                                                                      mib, memoryLimitMiB));
                            s.kill();
                        }
                    }
                }
            }
            tick++;
            Harness.sleep(Duration.ofMillis(200));
        }
    }

    static double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
