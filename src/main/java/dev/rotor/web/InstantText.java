package dev.rotor.web;

import java.time.Instant;
import java.time.LocalDate;

/**
 * An instant as ISO-8601 text, exactly as {@link Instant#toString()} writes it
 * ({@code 2026-12-07T13:05:09.123456Z}: UTC, seconds always, the fraction in groups of three
 * digits and only when non-zero), written into the caller's buffer. {@code Instant.toString}
 * goes through {@code DateTimeFormatter}, which builds a print context, a {@code LocalDateTime}
 * and two intermediate strings per call; the session body writes two instants per read, and
 * they were 4% of a session read's CPU samples ({@code bench/overhead}). Years before 1970 or
 * after 9999 take the JDK's path.
 */
final class InstantText {
    /** 9999-12-31T23:59:59Z: later instants print a sign and more year digits. */
    private static final long LAST_FOUR_DIGIT_SECOND = 253_402_300_799L;
    private static final int SECONDS_PER_DAY = 86_400;

    private InstantText() {
    }

    /**
     * @param out     where to write
     * @param instant the instant
     */
    static void append(StringBuilder out, Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < 0 || seconds > LAST_FOUR_DIGIT_SECOND) {
            out.append(instant);
            return;
        }
        LocalDate date = LocalDate.ofEpochDay(seconds / SECONDS_PER_DAY);
        int secondOfDay = (int) (seconds % SECONDS_PER_DAY);
        digits(out, date.getYear(), 4).append('-');
        digits(out, date.getMonthValue(), 2).append('-');
        digits(out, date.getDayOfMonth(), 2).append('T');
        digits(out, secondOfDay / 3600, 2).append(':');
        digits(out, secondOfDay / 60 % 60, 2).append(':');
        digits(out, secondOfDay % 60, 2);
        int nanos = instant.getNano();
        if (nanos > 0) {
            out.append('.');
            if (nanos % 1_000_000 == 0) {
                digits(out, nanos / 1_000_000, 3);
            } else if (nanos % 1_000 == 0) {
                digits(out, nanos / 1_000, 6);
            } else {
                digits(out, nanos, 9);
            }
        }
        out.append('Z');
    }

    /** {@code value} with leading zeros to {@code width} digits (it never has more). */
    private static StringBuilder digits(StringBuilder out, int value, int width) {
        for (int limit = 10, i = 1; i < width; i++, limit *= 10) {
            if (value < limit) {
                out.append('0');
            }
        }
        return out.append(value);
    }
}
