import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the harness saw happen in one run (starts, exits, drains, kills, back-offs), each
 * logged as it is recorded. The replicas' own log lines are read by {@link ReplicaLogs}.
 */
final class Events {
    /** One event: when (on {@link Harness#now()}'s clock), which slot (-1: none), what, details. */
    record Event(double t, int slot, String kind, String detail) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    void add(int slot, String kind, String detail) {
        events.add(new Event(Harness.now(), slot, kind, detail));
        Harness.log("replica " + slot + ": " + kind + (detail.isEmpty() ? "" : " (" + detail + ")"));
    }

    /** @return a copy of what was recorded so far */
    List<Event> all() {
        return List.copyOf(events);
    }

    /** @return the events of these kinds, in the order recorded */
    List<Event> of(String... kinds) {
        List<String> wanted = List.of(kinds);
        return events.stream().filter(e -> wanted.contains(e.kind())).toList();
    }
}
