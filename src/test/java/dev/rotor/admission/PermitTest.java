package dev.rotor.admission;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class PermitTest {
    @Test
    void releaseGivesThePermitBackOnce() {
        AtomicInteger released = new AtomicInteger();
        Permit p = new Permit(released::incrementAndGet);
        assertThat(released.get(), is(0));
        p.release();
        p.release();
        assertThat(released.get(), is(1));
    }

    /** The handler returning and the request deadline release at the same moment: the permit goes back once. */
    @Test
    void racingReleasesGiveThePermitBackExactlyOnce() throws Exception {
        for (int round = 0; round < 500; round++) {
            AtomicInteger permit = new AtomicInteger();
            Permit p = new Permit(permit::incrementAndGet);
            CyclicBarrier start = new CyclicBarrier(3);
            Thread one = Thread.ofPlatform().start(() -> {
                await(start);
                p.release();
            });
            Thread two = Thread.ofPlatform().start(() -> {
                await(start);
                p.release();
            });
            await(start);
            p.release();
            one.join();
            two.join();
            assertThat("round " + round, permit.get(), is(1));
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
