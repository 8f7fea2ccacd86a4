package dev.rotor.web;

import java.time.Instant;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class InstantTextTest {
    private static String text(Instant instant) {
        StringBuilder out = new StringBuilder();
        InstantText.append(out, instant);
        return out.toString();
    }

    @Test
    void writesWhatInstantToStringWritesAtEachPrecision() {
        for (String iso : new String[] {"1970-01-01T00:00:00Z", "2026-12-07T13:05:09Z", "2026-12-07T13:05:00Z",
                                        "2026-12-07T00:00:00.100Z", "2026-12-07T13:05:09.123Z",
                                        "2026-12-07T13:05:09.000100Z", "2026-12-07T13:05:09.123456Z",
                                        "2026-12-07T13:05:09.000000001Z", "2026-12-07T13:05:09.123456789Z",
                                        "2024-02-29T23:59:59.999999999Z", "0001-01-01T00:00:00Z",
                                        "9999-12-31T23:59:59.999Z", "+10000-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z"}) {
            Instant instant = Instant.parse(iso);
            assertThat(iso, text(instant), is(instant.toString()));
        }
    }

    @Test
    void agreesWithInstantToStringOverManyInstants() {
        SplittableRandom random = new SplittableRandom(26);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-100_000_000_000L, 300_000_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(text(instant), is(instant.toString()));
        }
    }
}
