package dev.rotor.departure;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;

/** What a stop signal does when the drain starts, and when starting it fails. */
class StopSignalsTest {
    private final List<Integer> halted = new ArrayList<>();

    @Test
    void aDrainThatStartsLeavesTheProcessToIt() {
        List<String> calls = new ArrayList<>();
        StopSignals.onStopSignal(() -> calls.add("terminate"), halted::add);
        assertThat(calls, contains("terminate"));
        assertThat(halted, empty());
    }

    @Test
    void aDrainThatCannotStartEndsTheProcessRatherThanIgnoringTheSignal() {
        // what a replaced jar does: the drain's classes no longer load
        StopSignals.onStopSignal(() -> {
            throw new NoClassDefFoundError("dev/rotor/lifecycle/ReplicaLifecycle$1");
        }, halted::add);
        assertThat(halted, contains(StopSignals.EXIT_STOP_FAILED));
    }
}
