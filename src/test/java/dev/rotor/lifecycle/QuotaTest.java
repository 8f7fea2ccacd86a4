package dev.rotor.lifecycle;

import java.security.SecureRandom;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QuotaTest {
    private static final int DRAWS = 200_000;

    @Test
    void drawsUniformlyWithinMaxPlusMinusJitter() {
        SplittableRandom random = new SplittableRandom(42);
        long[] counts = new long[401];
        long sum = 0;
        for (int i = 0; i < DRAWS; i++) {
            long q = Quota.draw(800, 200, random);
            assertThat(q, allOf(greaterThanOrEqualTo(600L), lessThanOrEqualTo(1000L)));
            counts[(int) (q - 600)]++;
            sum += q;
        }
        // both ends are reachable and every value appears about equally often
        assertThat(counts[0] > 0 && counts[400] > 0, is(true));
        double expected = DRAWS / 401.0;
        for (long c : counts) {
            assertThat((double) c, closeTo(expected, expected * 0.35));
        }
        assertThat((double) sum / DRAWS, closeTo(800, 2));
        // the lower and upper halves are balanced: the spread is symmetric, not gunicorn's 0..jitter
        long below = 0;
        for (int i = 0; i < 200; i++) {
            below += counts[i];
        }
        assertThat((double) below / DRAWS, closeTo(200.0 / 401, 0.01));
    }

    @Test
    void zeroJitterGivesExactlyMax() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 1000; i++) {
            assertThat(Quota.draw(30, 0, random), is(30L));
        }
    }

    @Test
    void neverDrawsBelowOne() {
        SplittableRandom random = new SplittableRandom(7);
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 10_000; i++) {
            min = Math.min(min, Quota.draw(3, 10, random));
        }
        assertThat(min, is(1L));
    }

    @Test
    void zeroMaxTurnsRotationOff() {
        assertThat(Quota.draw(0, 200, new SplittableRandom(1)), is(0L));
    }

    @Test
    void rejectsNegativeInput() {
        assertThrows(IllegalArgumentException.class, () -> Quota.draw(-5, 0, new SplittableRandom(1)));
    }
}
