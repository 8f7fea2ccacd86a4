package dev.rotor;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.lifecycle.RotationCause;
import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * Rotation triggers, the leak report and back-off awareness on a real in-process replica.
 */
class RotationTriggersTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void containerMemoryTriggerDrainsAtOnceDespiteTheMinimumLifetime(@TempDir Path cgroup) throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), "1000000\n");
        Files.writeString(cgroup.resolve("memory.current"), "500000\n");
        Files.writeString(cgroup.resolve("memory.stat"), "inactive_file 0\n");
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-container-memory", "0.8",
                                                      "rotor.lifecycle.cgroup-path", cgroup.toString(),
                                                      "rotor.lifecycle.min-lifetime", "PT1H",
                                                      "rotor.fleet.leak-report", "false"))) {
            assertThat(Http.status(r.port(), "/observe/health/ready"), is(200));
            Files.writeString(cgroup.resolve("memory.current"), "900000\n");
            Await.equal("readiness", WAIT, () -> Http.status(r.port(), "/observe/health/ready"), 503);
            assertThat(r.replica().lifecycle().cause(), is(RotationCause.CONTAINER_MEMORY));
            assertThat(Http.get(r.port(), "/observe/replica").body(), containsString("\"cause\":\"container_memory\""));
            assertThat(Http.get(r.port(), "/observe/metrics").body(),
                       containsString("rotor_rotation_cause{cause=\"container-memory\",scope=\"application\",} 1.0"));
        }
    }

    @Test
    void leakReportNamesTheDemonstrationLeakAsTheTopSuspect() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.demo.leak-bytes-per-request", "20000",
                                                      "rotor.fleet.leak-report-warmup", "PT0S",
                                                      "rotor.lifecycle.max-requests", "300",
                                                      "rotor.lifecycle.max-requests-jitter", "0",
                                                      "rotor.lifecycle.drain-period", "PT0.2S"))) {
            HttpResponse<String> none = Http.get(r.port(), "/observe/replica/report");
            assertThat(none.statusCode(), is(404));
            assertThat(none.body(), containsString("no_report_yet"));
            Await.until("the warm-up histogram", WAIT,
                        () -> r.replica().rotation().leakReport().orElseThrow().baselineTaken());
            for (int i = 0; i < 300; i++) {
                Http.get(r.port(), "/");
            }
            Await.equal("the leak report", WAIT, () -> Http.status(r.port(), "/observe/replica/report"), 200);
            String report = Http.get(r.port(), "/observe/replica/report").body();
            assertThat(report, containsString("\"cause\":\"quota\""));
            assertThat(report, containsString("\"suspects\":[{\"class\":\"dev.rotor.demo.LeakedChunk\""));
            assertThat(report, containsString("\"instancesGrowth\":300"));
        }
    }

    @Test
    void livenessModeRotationUnderTenMinutesWarnsOfRestartBackoff() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-requests", "2",
                                                      "rotor.lifecycle.max-requests-jitter", "0",
                                                      "rotor.fleet.leak-report", "false"))) {
            String before = Http.get(r.port(), "/observe/metrics").body();
            assertThat(before, containsString("rotor_restart_backoff_risk{scope=\"application\",} 0.0"));
            Http.get(r.port(), "/");
            Http.get(r.port(), "/");
            assertThat(r.replica().lifecycle().state(), is(ReplicaState.DRAINING));
            Await.until("the back-off gauge", WAIT, () -> Http.get(r.port(), "/observe/metrics").body()
                    .contains("rotor_restart_backoff_risk{scope=\"application\",} 1.0"));
        }
    }

    @Test
    void ageTriggerRotatesAnIdleReplica() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-lifetime", "PT1S",
                                                      "rotor.fleet.leak-report", "false"))) {
            assertThat(Http.status(r.port(), "/observe/health/ready"), is(200));
            Await.equal("readiness", WAIT, () -> Http.status(r.port(), "/observe/health/ready"), 503);
            assertThat(r.replica().lifecycle().cause(), is(RotationCause.AGE));
        }
    }
}
