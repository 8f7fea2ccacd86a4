package dev.rotor.deploy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Json;

import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The image's entrypoint in exit mode (deploy/image/respawn.sh), run by bash around the built
 * jar as the image runs it: a replica that reaches its quota exits and the next JVM starts in
 * the same container, while a failed start is passed on; signals reach the JVM that runs; the
 * line it logs between two replicas follows the replica's log format and level.
 */
class RespawnIT {
    private static final Pattern SERVING = Pattern.compile("replica ([0-9a-f]{6}) serving");

    /**
     * bash sourcing the real script, supervising the real JVM as the entrypoint does. Started
     * with SIGINT and SIGQUIT at their defaults, as Docker starts an entrypoint: a test run
     * launched in the background of a non-interactive shell inherits them ignored, and bash
     * can neither trap nor reset a signal ignored on its entry (the Ctrl-C test then hung).
     */
    private static JarProcess supervised(Map<String, String> env) {
        String script = Manifests.ROOT.resolve("deploy/image/respawn.sh").toAbsolutePath().toString();
        return JarProcess.command(List.of("env", "--default-signal=INT,QUIT", "bash", "-c",
                "set -euo pipefail; . \"$0\"; rotor_respawns || exit 99; rotor_respawn \"$1\" -Xmx128m -jar \"$2\"",
                script, JarProcess.java(), JarProcess.jar().toAbsolutePath().toString()), env);
    }

    private static Map<String, String> exitMode(int port) {
        return new HashMap<>(Map.of("PORT", String.valueOf(port), "ROTOR_EXIT_MODE", "exit",
                                    "ROTOR_MAX_REQUESTS", "2", "ROTOR_MAX_REQUESTS_JITTER", "0",
                                    "ROTOR_DRAIN_PERIOD", "PT0.2S", "ROTOR_MIN_LIFETIME", "PT0S",
                                    "ROTOR_SHUTDOWN_DRAIN_PERIOD", "PT0S"));
    }

    private static List<String> servingIds(String output) {
        Matcher m = SERVING.matcher(output);
        return m.results().map(r -> r.group(1)).toList();
    }

    private static long onlyChild(JarProcess supervisor) {
        List<ProcessHandle> children = ProcessHandle.of(supervisor.pid()).orElseThrow().children().toList();
        assertThat("one JVM under the entrypoint: " + children, children.size(), is(1));
        return children.getFirst().pid();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aRotatedReplicaStartsAgainInTheSameContainerAndSigtermEndsIt() {
        int port = JarProcess.freePort();
        try (JarProcess supervisor = supervised(exitMode(port))) {
            supervisor.awaitReady(Duration.ofSeconds(60));
            long first = onlyChild(supervisor);
            assertThat(Http.status(port, "/"), is(200));
            assertThat(Http.status(port, "/"), is(200));
            // the quota is spent: the entrypoint starts the next JVM while the first still serves,
            // and the first leaves once the second is ready
            Await.until("a second replica serving and the first gone; log:\n" + supervisor.output(), Duration.ofSeconds(60),
                        () -> servingIds(supervisor.output()).size() == 2 && !alive(first)
                                && Http.status(port, "/observe/health/ready") == 200);
            assertThat("the entrypoint itself is still there", supervisor.alive(), is(true));
            long second = onlyChild(supervisor);
            assertThat("a new JVM", second, not(is(first)));
            String log = supervisor.output();
            assertThat(log, containsString("rotor.entrypoint: worker " + first + " hands over: worker " + second
                    + " starts in slot 1; " + first + " serves until it is ready"));
            assertThat(log, containsString("rotor.entrypoint: worker " + second + " is ready: worker " + first + " stops accepting"));
            // the first left because the supervisor released it, which it does only on the successor's "ready"
            assertThat(log, containsString("replica " + servingIds(log).getFirst() + " handed over to its successor"));
            List<String> ids = servingIds(supervisor.output());
            assertThat("two replicas, each its own id", ids.get(0), not(is(ids.get(1))));

            // SIGQUIT reaches the JVM (a thread dump), which keeps serving
            supervisor.signal("QUIT");
            Await.until("a thread dump from the JVM", Duration.ofSeconds(30),
                        () -> supervisor.output().contains("Full thread dump"));
            assertThat(alive(second), is(true));

            // SIGTERM: the JVM drains and exits, and the entrypoint ends with it (no respawn)
            supervisor.sigterm();
            assertThat("entrypoint status; log:\n" + supervisor.output(), supervisor.awaitExit(Duration.ofSeconds(60)), is(0));
            assertThat(alive(second), is(false));
            assertThat(supervisor.output(), containsString("replica " + ids.get(1) + " stopped after"));
            assertThat("no third JVM", servingIds(supervisor.output()).size(), is(2));
        }
    }

    @Test
    void ctrlCStopsTheJvmAndTheEntrypoint() {
        // bash starts a background command with SIGINT ignored, and the JVM would keep it so
        int port = JarProcess.freePort();
        try (JarProcess supervisor = supervised(exitMode(port))) {
            supervisor.awaitReady(Duration.ofSeconds(60));
            long jvm = onlyChild(supervisor);
            supervisor.signal("INT");
            int status = supervisor.awaitExit(Duration.ofSeconds(60));
            assertThat("the JVM stopped; log:\n" + supervisor.output(),
                       alive(jvm), is(false));
            assertThat("the JVM's own status; log:\n" + supervisor.output(), status, is(0));
            assertThat(supervisor.output(), not(containsString("rotor.entrypoint")));
        }
    }

    @Test
    void aStartThatFailsEndsTheContainerWithItsStatusInsteadOfLooping() {
        Map<String, String> env = exitMode(JarProcess.freePort());
        env.put("ROTOR_MAX_REQUESTS", "eight hundred");
        try (JarProcess supervisor = supervised(env)) {
            assertThat("the bad setting's status, passed on; log:\n" + supervisor.output(),
                       supervisor.awaitExit(Duration.ofSeconds(60)), is(2));
            assertThat(supervisor.output(), containsString("ROTOR_MAX_REQUESTS"));
            assertThat("not started again", supervisor.output(), not(containsString("starts in slot")));
            assertThat(supervisor.output(), containsString("exited with status 2: stopping the other workers and ending with it"));
        }
    }

    @Test
    void onlyExitModeIsSupervisedAndABadValueIsRefused() throws Exception {
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "exit")), is(0));
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_RESPAWN", "true")), is(0));
        assertThat("the orchestrator restarts the container", respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_RESPAWN", "false")), is(1));
        assertThat("liveness mode never exits by itself", respawns(Map.of("ROTOR_EXIT_MODE", "liveness")), is(1));
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "evict")), is(1));
        assertThat("refused, like a bad setting of the app", respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_RESPAWN", "yes")), is(2));
    }

    @Test
    void aRotationStatusThatAFailureAlsoExitsWithIsRefused() throws Exception {
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_EXIT_CODE", "0")), is(0));
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_EXIT_CODE", "4")), is(0));
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_EXIT_CODE", "125")), is(0));
        // a port taken (1), a bad setting (2), out of memory (3), a signal's death (128 and up)
        for (String code : List.of("1", "2", "3", "126", "137", "255", "-1", "zero")) {
            assertThat("ROTOR_EXIT_CODE=" + code, respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_EXIT_CODE", code)), is(2));
        }
        assertThat("the orchestrator sees every exit when the JVM is PID 1",
                   respawns(Map.of("ROTOR_EXIT_MODE", "exit", "ROTOR_RESPAWN", "false", "ROTOR_EXIT_CODE", "2")), is(1));
        assertThat(respawns(Map.of("ROTOR_EXIT_MODE", "liveness", "ROTOR_EXIT_CODE", "2")), is(1));
    }

    @Test
    void theEntrypointsLineFollowsTheReplicasLogFormatAndLevel() throws Exception {
        JsonObject json = Json.object(entrypointLog(Map.of("ROTOR_LOG_FORMAT", "json")).strip());
        // the fields of every JSON line the replica writes (JsonLogFormatter)
        assertThat(json.getString("level"), is("INFO"));
        assertThat(json.getString("logger"), is("rotor.entrypoint"));
        assertThat(json.getString("message"), is("a message"));
        assertThat(json.getString("thread"), is("entrypoint"));
        assertThat(Instant.parse(json.getString("timestamp")).isAfter(Instant.parse("2026-01-01T00:00:00Z")), is(true));
        // logging.properties' text line: "%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tL %4$s %3$s: %5$s"
        assertThat(entrypointLog(Map.of()).strip().matches(
                "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO rotor\\.entrypoint: a message"), is(true));
        assertThat("gunicorn's words, any case", entrypointLog(Map.of("LOG_LEVEL", "debug")), containsString("a message"));
        assertThat(entrypointLog(Map.of("LOG_LEVEL", "WARN")), is(""));
        assertThat(entrypointLog(Map.of("LOG_LEVEL", "error")), is(""));
    }

    private static String entrypointLog(Map<String, String> env) throws Exception {
        Process p = sourced("rotor_entrypoint_log 'a message'", env);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(), is(0));
        return out;
    }

    /** @return the status of {@code rotor_respawns} under this environment */
    private static int respawns(Map<String, String> env) throws Exception {
        Process p = sourced("rotor_respawns", env);
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    /** bash running {@code command} after sourcing respawn.sh, with only {@code env} of the variables it reads. */
    private static Process sourced(String command, Map<String, String> env) throws Exception {
        ProcessBuilder bash = new ProcessBuilder("bash", "-c", ". \"$0\"; " + command,
                Manifests.ROOT.resolve("deploy/image/respawn.sh").toAbsolutePath().toString());
        bash.environment().keySet().removeAll(List.of("ROTOR_RESPAWN", "ROTOR_EXIT_MODE", "ROTOR_EXIT_CODE", "LOG_LEVEL",
                                                      "ROTOR_LOG_FORMAT"));
        bash.environment().putAll(env);
        return bash.start();
    }
}
