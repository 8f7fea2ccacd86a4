package dev.rotor.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class RedisCircuitTest {
    private final AtomicLong nanos = new AtomicLong();
    private final RedisCircuit circuit = new RedisCircuit(3, Duration.ofSeconds(1), nanos::get);
    private final RuntimeException boom = new RuntimeException("boom");

    @Test
    void opensAfterTheThresholdOfFailuresInARow() {
        circuit.onFailure(boom);
        circuit.onFailure(boom);
        assertThat(circuit.tryAcquire(), is(true));
        circuit.onFailure(boom);
        assertThat(circuit.state(), is(CircuitState.OPEN));
        assertThat(circuit.tryAcquire(), is(false));
    }

    @Test
    void aSuccessResetsTheCount() {
        circuit.onFailure(boom);
        circuit.onFailure(boom);
        circuit.onSuccess();
        circuit.onFailure(boom);
        circuit.onFailure(boom);
        assertThat(circuit.state(), is(CircuitState.CLOSED));
    }

    @Test
    void letsExactlyOneProbeThroughAfterTheOpenPeriod() {
        for (int i = 0; i < 3; i++) {
            circuit.onFailure(boom);
        }
        nanos.addAndGet(Duration.ofMillis(999).toNanos());
        assertThat(circuit.tryAcquire(), is(false));
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(circuit.tryAcquire(), is(true));
        assertThat(circuit.state(), is(CircuitState.HALF_OPEN));
        assertThat("a second caller waits for the probe", circuit.tryAcquire(), is(false));
    }

    @Test
    void probeSuccessClosesAndProbeFailureReopens() {
        for (int i = 0; i < 3; i++) {
            circuit.onFailure(boom);
        }
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        circuit.tryAcquire();
        circuit.onFailure(boom);
        assertThat(circuit.state(), is(CircuitState.OPEN));
        assertThat(circuit.tryAcquire(), is(false));
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(circuit.tryAcquire(), is(true));
        circuit.onSuccess();
        assertThat(circuit.state(), is(CircuitState.CLOSED));
        assertThat(circuit.transitions(), is(5L));
    }

    @Test
    void addsUpTheTimeSpentOnTheLocalFallbackAcrossOutages() {
        assertThat(circuit.fallbackTime(), is(Duration.ZERO));
        for (int i = 0; i < 3; i++) {
            circuit.onFailure(boom);
        }
        nanos.addAndGet(Duration.ofMillis(1500).toNanos());
        assertThat("the current stretch counts while it lasts", circuit.fallbackTime(), is(Duration.ofMillis(1500)));
        assertThat(circuit.tryAcquire(), is(true));
        circuit.onSuccess();
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat("closed time does not count", circuit.fallbackTime(), is(Duration.ofMillis(1500)));
        for (int i = 0; i < 3; i++) {
            circuit.onFailure(boom);
        }
        nanos.addAndGet(Duration.ofMillis(1000).toNanos());
        assertThat(circuit.tryAcquire(), is(true));
        circuit.onSuccess();
        assertThat(circuit.fallbackTime(), is(Duration.ofMillis(2500)));
    }
}
