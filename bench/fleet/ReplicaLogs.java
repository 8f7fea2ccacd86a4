import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drain starts and "serving" moments as the replicas logged them (wall clock, millisecond
 * precision), which is exact where the watcher's polling could lag on a busy machine.
 */
final class ReplicaLogs {
    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) .*replica r(\\d+)g(\\d+) (.*)$");

    private ReplicaLogs() {
    }

    /** @return "draining" and "serving" events of every {@code replica-N.log} in {@code dir}, by time */
    static List<Events.Event> events(Path dir) {
        List<Events.Event> events = new ArrayList<>();
        if (dir == null) {
            return events;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(x -> x.getFileName().toString().startsWith("replica-")).toList()) {
                for (String l : Files.readAllLines(f)) {
                    Matcher m = LINE.matcher(l);
                    if (!m.matches()) {
                        continue;
                    }
                    long wall = LocalDateTime.parse(m.group(1)).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
                    double t = (wall - Harness.WALL_T0) / 1000.0;
                    int slot = Integer.parseInt(m.group(2));
                    String generation = "generation " + m.group(3);
                    if (m.group(4).contains("draining: readiness down")) {
                        events.add(new Events.Event(t, slot, "draining", generation));
                    } else if (m.group(4).startsWith("serving ")) {
                        events.add(new Events.Event(t, slot, "serving", generation));
                    }
                }
            }
        } catch (IOException e) {
            Harness.log("cannot read replica logs: " + e.getMessage());
        }
        events.sort(Comparator.comparingDouble(Events.Event::t));
        return events;
    }
}
