package dev.rotor.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.redis.SharedRedis;
import dev.rotor.support.RealRedis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * The documented bound of leased slices, shown with two replicas' limiters (each with its own
 * Redis client, as two processes have) on one real redis-server: in any span of time a client
 * gets at most what one shared GCRA allows in that span, {@code limit + span / interval}, plus
 * one slice per replica.
 */
class RateLeaseBoundTest {
    /** 400 per 10 s: one request every 25 ms after the burst. */
    private static final RateLimit LIMIT = new RateLimit(400, Duration.ofSeconds(10));
    private static final int SLICE = 16;
    private static final int REPLICAS = 2;

    private final AtomicLong now = new AtomicLong(1_795_392_000_000_000L);
    @RegisterExtension
    final RealRedis real = new RealRedis();

    private RedisRateLimiter replica() {
        SharedRedis redis = real.client(real.config(8, Duration.ofSeconds(2), Duration.ofSeconds(2),
                                                    Duration.ofSeconds(2), 3, Duration.ofMillis(300)),
                                        System::nanoTime);
        // a generous wait: this test is about counts, not about a slow Redis
        return new RedisRateLimiter(redis, LIMIT, now::get, "rotor:bound:", () -> SLICE, Duration.ofSeconds(10), 100,
                                    Thread.ofVirtual()::start);
    }

    @Test
    void aSliceHeldFromEarlierIsTheMostAReplicaAddsToAFullBurst() {
        RedisRateLimiter a = replica();
        RedisRateLimiter b = replica();
        assertThat(a.decide("c").allowed(), is(true)); // a leases 16 and holds 15
        now.addAndGet(LIMIT.windowMicros());           // Redis forgets: the whole burst is back
        int allowed = 0;
        for (int i = 0; i < 1000; i++) {
            allowed += b.decide("c").allowed() ? 1 : 0;
        }
        assertThat("b gets the whole burst from Redis", allowed, is(400));
        for (int i = 0; i < 1000; i++) {
            allowed += a.decide("c").allowed() ? 1 : 0;
        }
        assertThat("a adds what it held, then Redis refuses it too", allowed, is(400 + 15));
        assertThat(allowed, lessThanOrEqualTo((int) LIMIT.limit() + REPLICAS * SLICE));
    }

    @Test
    void inEverySpanTwoReplicasUnderLoadAllowAtMostTheLimitPlusOneSliceEach() throws Exception {
        RedisRateLimiter[] replicas = {replica(), replica()};
        int workersPerReplica = 2;
        int steps = 1200;            // 30 s of the clock in 25 ms steps: three windows
        long step = 25_000;
        int triesPerStep = 3;        // each worker asks 3 times per step: 4 x 3 = 12 per 25 ms, 12 x the rate
        int[] allowedAt = new int[steps];
        AtomicInteger allowedThisStep = new AtomicInteger();
        CyclicBarrier begin = new CyclicBarrier(REPLICAS * workersPerReplica + 1);
        CyclicBarrier end = new CyclicBarrier(REPLICAS * workersPerReplica + 1);
        List<Thread> workers = new ArrayList<>();
        for (RedisRateLimiter r : replicas) {
            for (int w = 0; w < workersPerReplica; w++) {
                workers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int s = 0; s < steps; s++) {
                            begin.await();
                            for (int t = 0; t < triesPerStep; t++) {
                                if (r.decide("hot").allowed()) {
                                    allowedThisStep.incrementAndGet();
                                }
                            }
                            end.await();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
        }
        // the clock moves only between steps, so every decision of a step happens at its instant;
        // lease calls in flight across a step see the later time, which only makes Redis grant less
        for (int s = 0; s < steps; s++) {
            begin.await();
            end.await();
            allowedAt[s] = allowedThisStep.getAndSet(0);
            now.addAndGet(step);
        }
        for (Thread w : workers) {
            w.join();
        }

        int total = 0;
        int worstExcess = Integer.MIN_VALUE;
        for (int i = 0; i < steps; i++) {
            int inSpan = 0;
            for (int j = i; j < steps; j++) {
                inSpan += allowedAt[j];
                long gcra = LIMIT.limit() + (j - i) * step / LIMIT.intervalMicros();
                worstExcess = Math.max(worstExcess, (int) (inSpan - gcra));
            }
            total += allowedAt[i];
        }
        assertThat("excess over one shared GCRA in the worst span", worstExcess, lessThanOrEqualTo(REPLICAS * SLICE));
        // and the limiters did let the client have (nearly) its allowance: a limiter that refused
        // everything would pass the bound trivially
        long allowance = LIMIT.limit() + (steps - 1) * step / LIMIT.intervalMicros();
        assertThat("allowed " + total + " of " + allowance, (long) total,
                   greaterThanOrEqualTo(allowance - REPLICAS * SLICE));
        assertThat((long) total, lessThanOrEqualTo(allowance));
    }
}
