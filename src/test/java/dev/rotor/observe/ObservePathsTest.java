package dev.rotor.observe;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class ObservePathsTest {
    @Test
    void theRootAndEverythingUnderItAreObservePaths() {
        for (String path : new String[] {"/observe", "/observe/", "/observe/health/ready", "/observe/metrics",
                                         "/observe/replica/leak-report"}) {
            assertThat(path, ObservePaths.contains(path), is(true));
        }
    }

    @Test
    void aPathThatOnlyStartsWithTheSameLettersIsNot() {
        for (String path : new String[] {"/", "/observer", "/observe-metrics", "/observed/health", "/api/observe",
                                         "/Observe/metrics", ""}) {
            assertThat(path, ObservePaths.contains(path), is(false));
        }
    }
}
