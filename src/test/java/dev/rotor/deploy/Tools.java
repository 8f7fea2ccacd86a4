package dev.rotor.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operators' own tools (haproxy, promtool, docker-compose, java) run on the project's
 * files, so that a file is checked by the program that will read it.
 */
final class Tools {
    private Tools() {
    }

    /** What a command printed (stdout and stderr together) and how it ended. */
    record Result(int exit, String output) {
        Result assertSucceeded(List<String> command) {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (" + exit + "):\n" + output);
            }
            return this;
        }
    }

    /**
     * Skips the calling test with a clear message when the tool is absent, unless
     * {@code required} names it in {@code ROTOR_REQUIRE_TOOLS} (CI sets it: there a missing
     * tool fails instead of skipping).
     *
     * @param tool a command on PATH
     * @param why what the skipped check would have shown, and how to get the tool
     */
    static void assumeOnPath(String tool, String why) {
        if (Manifests.onPath(tool)) {
            return;
        }
        String required = System.getenv().getOrDefault("ROTOR_REQUIRE_TOOLS", "");
        if (List.of(required.split("[,\\s]+")).contains(tool)) {
            throw new AssertionError(tool + " is not on PATH but ROTOR_REQUIRE_TOOLS requires it: " + why);
        }
        assumeTrue(false, tool + " is not on PATH: skipped (" + why + ")");
    }

    /**
     * @param dir working directory
     * @param command the command and its arguments
     * @return its exit status and output
     */
    static Result run(Path dir, List<String> command) {
        return run(dir, command, null);
    }

    /**
     * @param dir working directory
     * @param command the command and its arguments
     * @param env its whole environment (a user's, with nothing inherited), or null to inherit this one
     * @return its exit status and output
     */
    static Result run(Path dir, List<String> command, java.util.Map<String, String> env) {
        try {
            Path out = Files.createTempFile("rotor-tool", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command);
                if (env != null) {
                    builder.environment().clear();
                    builder.environment().putAll(env);
                }
                Process p = builder.directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
