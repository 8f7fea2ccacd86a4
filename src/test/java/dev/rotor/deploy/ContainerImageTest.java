package dev.rotor.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.departure.ExitMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * The container image's defaults: it rotates under any restart policy, and its AOT cache is
 * trained with the heap layout the runtime containers will have, whatever the build host.
 */
class ContainerImageTest {
    /** Build hosts: a laptop, and the big builders where training used to lose compressed oops. */
    private static final List<String> BUILD_HOSTS = List.of("8g", "64g", "256g");
    /** Container memory limits of the deploy files: compose 384m, k8s 512Mi, a generous 4g. */
    private static final List<String> CONTAINER_LIMITS = List.of("384m", "512m", "4g");

    @TempDir
    static Path tmp;

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
        assertThat(AppSettings.of(Map.of("ROTOR_EXIT_MODE", env.group(1))).exitMode(), is(ExitMode.EXIT));
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
        // a build without a memory limit, and a builder with one as large as the host
        for (String host : BUILD_HOSTS) {
            for (Path builder : List.of(cgroupV2("max"), cgroupV1(Long.toString(bytes(host))))) {
                List<String> train = new ArrayList<>(List.of("-XX:MaxRAM=" + host));
                train.addAll(memoryFlags(builder));
                train.addAll(training);
                assertThat("training on a " + host + " build host (" + builder.getFileName() + ") uses compressed oops like "
                                   + "the containers", compressedOops(train), is(true));
            }
        }
    }

    /** The memory flags heap.sh gives a JVM in a container with a memory limit (cgroup v2). */
    private static List<String> runtimeFlags() throws IOException {
        return memoryFlags(cgroupV2("402653184"));
    }

    /**
     * The memory flags of deploy/image/heap.sh, which bin/run and the image's entrypoint both
     * use, for a cgroup tree rooted at {@code cgroup}.
     */
    private static List<String> memoryFlags(Path cgroup) {
        List<String> command = List.of("bash", "-c", ". deploy/image/heap.sh && rotor_memory_flags \"$1\"", "heap.sh",
                                       cgroup.toString());
        List<String> flags = List.of(Tools.run(Manifests.ROOT, command).assertSucceeded(command).output().trim().split("\\s+"));
        assertThat(flags, hasItem("-XX:+UseSerialGC"));
        return flags;
    }

    private static Path cgroupV2(String memoryMax) throws IOException {
        Path root = Files.createTempDirectory(tmp, "cgroup");
        Files.writeString(root.resolve("memory.max"), memoryMax + "\n");
        return root;
    }

    private static Path cgroupV1(String limitInBytes) throws IOException {
        Path root = Files.createTempDirectory(tmp, "cgroup");
        Files.createDirectory(root.resolve("memory"));
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), limitInBytes + "\n");
        return root;
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
        for (String limit : CONTAINER_LIMITS) {
            for (Path cgroup : List.of(cgroupV2(Long.toString(bytes(limit))), cgroupV1(Long.toString(bytes(limit))))) {
                List<String> run = new ArrayList<>(List.of("-XX:MaxRAM=" + limit));
                run.addAll(memoryFlags(cgroup));
                String flags = printFlags(run);
                long max = flag(flags, "MaxHeapSize");
                assertThat("60% of a " + limit + " limit", (double) max / bytes(limit), closeTo(0.6, 0.01));
                assertThat("initial heap in a " + limit + " container", flag(flags, "InitialHeapSize"), is(max));
                assertThat("young generation from the start in a " + limit + " container", flag(flags, "NewSize") * 3 >= max,
                           is(true));
            }
        }
    }

    /**
     * Without a memory limit (bin/run on a workstation, {@code docker run} without
     * {@code --memory}) the heap is bin/run's 224 MiB on any host, not a share of the host's
     * memory: a leak is rotated away long before the box runs out, and on a 256 GiB host the
     * heap keeps the compressed references the AOT cache was trained with.
     */
    @Test
    void withoutAMemoryLimitTheHeapIsBoundedOnAnyHost() throws IOException {
        Path empty = Files.createTempDirectory(tmp, "cgroup");
        for (Path cgroup : List.of(cgroupV2("max"), cgroupV1("9223372036854771712"), empty)) {
            for (String host : BUILD_HOSTS) {
                List<String> run = new ArrayList<>(List.of("-XX:MaxRAM=" + host));
                run.addAll(memoryFlags(cgroup));
                String flags = printFlags(run);
                assertThat("heap on a " + host + " host without a limit (" + cgroup.getFileName() + ")",
                           flag(flags, "MaxHeapSize"), is(224L << 20));
                assertThat(compressedOops(run), is(true));
            }
        }
    }

    private static long bytes(String size) {
        long unit = switch (size.charAt(size.length() - 1)) {
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> throw new IllegalArgumentException(size);
        };
        return Long.parseLong(size.substring(0, size.length() - 1)) * unit;
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
