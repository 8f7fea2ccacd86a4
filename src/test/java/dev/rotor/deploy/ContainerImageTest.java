package dev.rotor.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.lifecycle.ExitMode;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The container image's defaults: it rotates under any restart policy, and its AOT cache is
 * trained with the heap layout the runtime containers will have, whatever the build host.
 */
class ContainerImageTest {
    /** Build hosts: a laptop, and the big builders where training used to lose compressed oops. */
    private static final List<String> BUILD_HOSTS = List.of("8g", "64g", "256g");
    /** Container memory limits of the deploy files: compose 384m, k8s 512Mi, a generous 4g. */
    private static final List<String> CONTAINER_LIMITS = List.of("384m", "512m", "4g");

    /**
     * Every orchestrator restarts a process that exits, while only Kubernetes acts on a
     * failed liveness probe: the image defaults to exit mode, so that
     * {@code docker run --restart unless-stopped} rotates (the smoke test runs exactly that).
     */
    @Test
    void imageDefaultsToExitMode() throws IOException {
        Matcher env = Pattern.compile("(?m)^ENV ROTOR_EXIT_MODE=(\\S+)$")
                .matcher(Files.readString(Manifests.ROOT.resolve("Dockerfile")));
        assertThat("the Dockerfile sets ROTOR_EXIT_MODE", env.find(), is(true));
        assertThat(AppSettings.of(Map.of("ROTOR_EXIT_MODE", env.group(1))).lifecycle().exitMode(), is(ExitMode.EXIT));
    }

    /**
     * The JVM silently refuses an AOT cache whose compressed-oops mode differs from its own.
     * The runtime sizes its heap from the container limit; training must not size it from the
     * build host's memory. Simulated with -XX:MaxRAM (the memory the JVM believes it has)
     * placed before the scripts' flags, as the host's memory would be.
     */
    @Test
    void aotTrainingHasTheRuntimeHeapLayoutOnAnyBuildHost() throws IOException {
        List<String> runtime = runtimeFlags();
        List<String> training = trainingFlags();
        for (String limit : CONTAINER_LIMITS) {
            List<String> run = new ArrayList<>(List.of("-XX:MaxRAM=" + limit));
            run.addAll(runtime);
            assertThat("runtime in a " + limit + " container", compressedOops(run), is(true));
        }
        for (String host : BUILD_HOSTS) {
            List<String> train = new ArrayList<>(List.of("-XX:MaxRAM=" + host));
            train.addAll(runtime);
            train.addAll(training);
            assertThat("training on a " + host + " build host uses compressed oops like the containers",
                       compressedOops(train), is(true));
        }
    }

    /** The -XX flags of the entrypoint's {@code flags=( ... )} array (deploy/image/rotor). */
    private static List<String> runtimeFlags() throws IOException {
        String script = Files.readString(Manifests.ROOT.resolve("deploy/image/rotor"));
        String array = script.substring(script.indexOf("flags=("), script.indexOf("\n)", script.indexOf("flags=(")));
        List<String> flags = array.lines().map(String::strip).filter(l -> l.startsWith("-XX:")).toList();
        assertThat(flags, not(empty()));
        return flags;
    }

    /** The JAVA_OPTS that aot-train gives the training run, variables expanded, the cache output left out. */
    private static List<String> trainingFlags() throws IOException {
        String script = Files.readString(Manifests.ROOT.resolve("deploy/image/aot-train"));
        Matcher opts = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"").matcher(script);
        assertThat("aot-train passes JAVA_OPTS", opts.find(), is(true));
        List<String> flags = new ArrayList<>();
        for (String word : opts.group(1).trim().split("\\s+")) {
            if (word.startsWith("$")) {
                Matcher assignment = Pattern.compile("(?m)^" + Pattern.quote(word.substring(1)) + "=(\\S+)$").matcher(script);
                assertThat("aot-train assigns " + word, assignment.find(), is(true));
                word = assignment.group(1);
            }
            if (!word.contains("AOTCacheOutput")) {
                flags.add(word);
            }
        }
        return flags;
    }

    /**
     * A heap that grows from the JVM's default 1/64 of the limit starts with a young generation
     * of ~2 MiB: under load it collected every 2.4 ms and promoted garbage into the old
     * generation (51,622 against 77,899 requests/s, bench/image-heap). The image's heap is
     * whole from the start, and at least a third of it young, in every container size of the
     * deploy files.
     */
    @Test
    void theRuntimeHeapIsWholeFromTheStartAndLargelyYoung() throws IOException {
        List<String> runtime = runtimeFlags();
        for (String limit : CONTAINER_LIMITS) {
            List<String> run = new ArrayList<>(List.of("-XX:MaxRAM=" + limit));
            run.addAll(runtime);
            String flags = printFlags(run);
            long max = flag(flags, "MaxHeapSize");
            assertThat("initial heap in a " + limit + " container", flag(flags, "InitialHeapSize"), is(max));
            assertThat("young generation from the start in a " + limit + " container", flag(flags, "NewSize") * 3 >= max,
                       is(true));
        }
    }

    private static boolean compressedOops(List<String> flags) {
        Matcher m = Pattern.compile("(?m)^\\s*bool UseCompressedOops\\s+=\\s+(true|false)").matcher(printFlags(flags));
        assertThat("UseCompressedOops in -XX:+PrintFlagsFinal", m.find(), is(true));
        return Boolean.parseBoolean(m.group(1));
    }

    private static long flag(String printed, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*size_t " + name + "\\s+=\\s+(\\d+)").matcher(printed);
        assertThat(name + " in -XX:+PrintFlagsFinal", m.find(), is(true));
        return Long.parseLong(m.group(1));
    }

    private static String printFlags(List<String> flags) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.add("-XX:+PrintFlagsFinal");
        command.add("-version");
        return Tools.run(Manifests.ROOT, command).assertSucceeded(command).output();
    }
}
