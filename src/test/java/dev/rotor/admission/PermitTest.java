package dev.rotor.admission;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

class PermitTest {
    @Test
    void releaseGivesThePermitBackThenRunsWhatWasAddedInOrderOnce() {
        List<String> ran = new ArrayList<>();
        Permit p = new Permit(() -> ran.add("permit"));
        p.onRelease(() -> ran.add("one"));
        p.onRelease(() -> ran.add("two"));
        p.onRelease(() -> ran.add("three"));
        assertThat(ran, is(empty()));
        p.release();
        p.release();
        assertThat(ran, contains("permit", "one", "two", "three"));
    }

    @Test
    void releaseWithNothingAddedGivesOnlyThePermitBack() {
        AtomicInteger released = new AtomicInteger();
        Permit p = new Permit(released::incrementAndGet);
        p.release();
        p.release();
        assertThat(released.get(), is(1));
    }

    @Test
    void anActionAddedAfterTheReleaseRunsAtOnce() {
        List<String> ran = new ArrayList<>();
        Permit p = new Permit(() -> ran.add("permit"));
        p.onRelease(() -> ran.add("one"));
        p.release();
        p.onRelease(() -> ran.add("late"));
        assertThat(ran, contains("permit", "one", "late"));
    }

    /** The handler returning and the request deadline release at the same moment: each action runs once. */
    @Test
    void racingReleasesAndAddsRunEveryActionExactlyOnce() throws Exception {
        for (int round = 0; round < 500; round++) {
            AtomicInteger permit = new AtomicInteger();
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            Permit p = new Permit(permit::incrementAndGet);
            CyclicBarrier start = new CyclicBarrier(3);
            Thread adder = Thread.ofPlatform().start(() -> {
                await(start);
                for (int i = 0; i < 5; i++) {
                    int n = i;
                    p.onRelease(() -> ran.add(n));
                }
            });
            Thread releaser = Thread.ofPlatform().start(() -> {
                await(start);
                p.release();
            });
            await(start);
            p.release();
            adder.join();
            releaser.join();
            assertThat(permit.get(), is(1));
            assertThat("round " + round, ran.stream().sorted().toList(), contains(0, 1, 2, 3, 4));
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
