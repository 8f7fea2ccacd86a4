package dev.rotor.lifecycle;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations as the replica's log lines write them.
 */
public final class Durations {
    private Durations() {
    }

    /**
     * @param d a duration
     * @return it as people read it: {@code 9m12s}, {@code 15.2s}, {@code 1h3m}
     */
    public static String human(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m" + (seconds % 60) + "s";
        }
        return (seconds / 3600) + "h" + (seconds % 3600 / 60) + "m";
    }
}
