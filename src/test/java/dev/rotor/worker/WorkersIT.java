package dev.rotor.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Workers in one container (deploy/image/workers.sh, the image's and bin/run's supervisor) as
 * real processes: two JVMs of the built jar on one port, each replaced in place by a successor
 * when its quota is spent, under a steady client (bench/RateClient.java) on new connections and
 * on kept-alive ones. Nothing is allowed to fail across the handovers; signals and a successor
 * that cannot start take the supervisor's other paths.
 */
class WorkersIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern RESULT = Pattern.compile(
            "result sent=(\\d+) ok=(\\d+) failed=(\\d+) statuses=(\\S+) errors=(\\S+) replicas=(\\d+)");

    /** bash sourcing the real supervisor around real JVMs, as the entrypoint does. */
    private static JarProcess workers(int n, String wrapper, Map<String, String> env) {
        String script = ROOT.resolve("deploy/image/workers.sh").toString();
        return JarProcess.command(List.of("env", "--default-signal=INT,QUIT", "bash", "-c",
                "set -euo pipefail; . \"$0\"; rotor_workers " + n + " " + wrapper + " \"$1\" -Xmx96m -XX:TieredStopAtLevel=1 -jar \"$2\"",
                script, JarProcess.java(), JarProcess.jar().toAbsolutePath().toString()), env);
    }

    private static Map<String, String> settings(int port, int quota) {
        return new HashMap<>(Map.of("PORT", String.valueOf(port), "ROTOR_EXIT_MODE", "exit",
                                    "ROTOR_MAX_REQUESTS", String.valueOf(quota), "ROTOR_MAX_REQUESTS_JITTER", "0",
                                    "ROTOR_MIN_LIFETIME", "PT0S", "ROTOR_SHUTDOWN_DRAIN_PERIOD", "PT0.2S",
                                    "ROTOR_WARMUP_REQUESTS", "50", "ROTOR_LEAK_REPORT", "false"));
    }

    /** The steady client's verdict. */
    private record Result(long sent, long ok, long failed, String statuses, String errors, int replicas, String text) {
    }

    private static Result steady(int port, int rate, int seconds, String mode) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(JarProcess.java(), ROOT.resolve("bench/RateClient.java").toString(), "127.0.0.1",
                                       String.valueOf(port), String.valueOf(rate), String.valueOf(seconds), mode, "6")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat("the client ran; output:\n" + out, p.waitFor(), is(0));
        Matcher m = RESULT.matcher(out);
        assertThat("a result line:\n" + out, m.find(), is(true));
        return new Result(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), m.group(4),
                          m.group(5), Integer.parseInt(m.group(6)), out);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void twoWorkersRotateInPlaceWithoutAFailedRequestOnNewOrKeptAliveConnections() throws Exception {
        int port = JarProcess.freePort();
        try (JarProcess supervisor = workers(2, "", settings(port, 150))) {
            supervisor.awaitReady(Duration.ofSeconds(90));
            // rounds of steady load, new connections then kept-alive ones, until five handovers
            // have happened under it (a busy machine starts successors slowly: more rounds, not
            // a failure), at most 24 rounds
            long sent = 0;
            for (int round = 0; round < 24 && (round < 2 || count(supervisor.output(), "handed over to its successor") < 5);
                 round++) {
                Result r = steady(port, 80, 5, round % 2 == 0 ? "new" : "keepalive");
                assertThat("round " + round + ": every request answered 2xx:\n" + r.text() + "\nlog:\n" + supervisor.output(),
                           r.failed(), is(0L));
                assertThat(r.ok(), is(r.sent()));
                sent += r.sent();
            }
            String log = supervisor.output();
            assertThat("handovers under load (" + sent + " requests); log:\n" + log,
                       count(log, "handed over to its successor"), is(greaterThanOrEqualTo(5)));
            assertThat("every handover started a successor", count(log, " hands over: worker "),
                       is(greaterThanOrEqualTo(5)));
            assertThat("no handover ended without its successor", log.contains("handover timed out"), is(false));
            // a leaving worker stopped accepting without Helidon's stop (whose executor refuses a
            // connection accepted a moment before: closed unanswered)
            assertThat(log, not(containsString("cannot stop this Helidon's listeners")));
            assertThat(log, not(containsString("Executor rejected handler")));

            // SIGQUIT reaches every JVM (one thread dump each), and they keep serving
            int dumps = count(supervisor.output(), "Full thread dump");
            supervisor.signal("QUIT");
            Await.until("a thread dump from each of the two workers", Duration.ofSeconds(30),
                        () -> count(supervisor.output(), "Full thread dump") >= dumps + 2);
            assertThat(Http.status(port, "/"), is(200));

            // SIGTERM: every worker drains and exits, and the supervisor exits 0
            supervisor.sigterm();
            assertThat("supervisor status; log:\n" + supervisor.output(), supervisor.awaitExit(Duration.ofSeconds(60)), is(0));
            assertThat("no worker left behind", ProcessHandle.of(supervisor.pid()).map(ProcessHandle::isAlive).orElse(false),
                       is(false));
        }
    }

    @Test
    void aSuccessorThatCannotStartEndsTheContainerWithItsStatusInsteadOfLooping() {
        int port = JarProcess.freePort();
        // the first workers start; every successor fails as a JVM with a bad setting would (status 2)
        String failingSuccessors = "bash -c 'if [[ $ROTOR_WORKER_SUCCESSOR == true ]]; then echo successor refused >&2; exit 2; fi;"
                + " exec \"$@\"' successor";
        try (JarProcess supervisor = workers(2, failingSuccessors, settings(port, 3))) {
            supervisor.awaitReady(Duration.ofSeconds(90));
            for (int i = 0; i < 4; i++) {
                Http.status(port, "/");
            }
            assertThat("the failed successor's status, passed on; log:\n" + supervisor.output(),
                       supervisor.awaitExit(Duration.ofSeconds(60)), is(2));
            String log = supervisor.output();
            assertThat(log, containsString("exited with status 2: stopping the other workers and ending with it"));
            assertThat("started once, not again", count(log, "successor refused"), is(1));
        }
    }

    @Test
    void aWorkerCountOutsideOneToSixteenIsRefused() throws Exception {
        for (String bad : List.of("0", "17", "two", "-1")) {
            ProcessBuilder bash = new ProcessBuilder("bash", "-c", ". \"$0\"; rotor_worker_count",
                                                     ROOT.resolve("deploy/image/workers.sh").toString());
            bash.environment().keySet().removeAll(List.of("ROTOR_WORKERS", "WORKERS", "GUNICORN_WORKERS"));
            bash.environment().put("WORKERS", bad);
            Process p = bash.redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat("WORKERS=" + bad, p.waitFor(), is(2));
            assertThat(out, containsString("must be a whole number from 1 to 16"));
        }
    }
}
