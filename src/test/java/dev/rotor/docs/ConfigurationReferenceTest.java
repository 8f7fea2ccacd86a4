package dev.rotor.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.EnvOverrides;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * docs/configuration.md says it lists every setting: every environment variable that the
 * replica or its launchers read must be named there. The list is read from the code, not
 * kept by hand: the replica's variables from {@link EnvOverrides} and {@link ConfigLoader},
 * the launchers' from the shell scripts a user starts (bin/run, the image's entrypoint and
 * what it sources).
 */
class ConfigurationReferenceTest {
    private static final Path REFERENCE = Path.of("docs/configuration.md");
    /** Scripts that read settings from the user's environment. */
    private static final List<Path> LAUNCHERS = List.of(Path.of("bin/run"), Path.of("deploy/image/rotor"),
                                                        Path.of("deploy/image/heap.sh"), Path.of("deploy/image/jit.sh"),
                                                        Path.of("deploy/image/respawn.sh"),
                                                        Path.of("deploy/image/healthcheck"),
                                                        Path.of("deploy/image/aot-train"));
    /** bin/run sources it to find a JDK: what it exports is the scripts' own state, not a setting. */
    private static final Path JDK_FINDER = Path.of("bin/jdk.sh");
    /**
     * The shell's and the system's own variables, and every BASH_* (a sourced script finds its
     * folder by BASH_SOURCE): read, never Rotor's to document.
     */
    private static final Set<String> SHELL = Set.of("HOME", "PWD", "PPID", "UID", "EUID", "RANDOM", "SECONDS", "LINENO",
                                                    "FUNCNAME", "EPOCHSECONDS", "EPOCHREALTIME", "HOSTNAME", "IFS",
                                                    "OPTARG", "OPTIND", "PIPESTATUS", "REPLY", "TMPDIR");

    private static final Pattern SHELL_READ = Pattern.compile("\\$\\{?([A-Z][A-Z0-9_]*)");
    private static final Pattern SHELL_EXPORT = Pattern.compile("(?:^|[\\s;])(?:export\\s+)?([A-Z][A-Z0-9_]*)=");
    private static final Pattern JAVA_GETENV = Pattern.compile("getenv\\(\"([A-Z][A-Z0-9_]*)\"\\)");

    @Test
    void everyVariableTheReplicaOrItsLaunchersReadIsInTheReference() throws IOException {
        String reference = Files.readString(REFERENCE);
        List<String> missing = new ArrayList<>();
        read().forEach((variable, where) -> {
            if (!reference.contains("`" + variable + "`")) {
                missing.add(variable + " (read by " + where + ")");
            }
        });
        assertThat("variables missing from " + REFERENCE, missing, is(empty()));
    }

    @Test
    void theScanFindsWhatTheLaunchersAreKnownToRead() throws IOException {
        // a scan that silently found nothing would pass the test above
        Set<String> variables = read().keySet();
        assertThat(variables, hasItems("JAVA_OPTS", "JAVA_AOT_CACHE", "ROTOR_JIT", "ROTOR_RESPAWN", "ROTOR_CONFIG",
                                       "GUNICORN_TIMEOUT", "WORKERS", "ROTOR_MAX_REQUESTS", "PORT"));
        assertThat("the JDK finder's own exports are not settings", variables, not(hasItems("ROTOR_JAVA_MAJOR")));
        assertThat(variables, not(hasItems("HOME")));
        assertThat(variables, not(hasItems("BASH_SOURCE")));
    }

    /** @return variable -> where it is read, sorted by name */
    private static TreeMap<String, String> read() throws IOException {
        TreeMap<String, String> read = new TreeMap<>();
        EnvOverrides.KEYS.keySet().forEach(v -> read.put(v, "EnvOverrides.KEYS"));
        EnvOverrides.ALIASES.keySet().forEach(v -> read.put(v, "EnvOverrides.ALIASES"));
        EnvOverrides.WORKER_VARIABLES.forEach(v -> read.put(v, "EnvOverrides.WORKER_VARIABLES"));
        read.put(ConfigLoader.CONFIG_FILE_VARIABLE, "ConfigLoader");
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = JAVA_GETENV.matcher(Files.readString(source));
                while (m.find()) {
                    read.putIfAbsent(m.group(1), source.toString());
                }
            }
        }
        Set<String> internal = new TreeSet<>(SHELL);
        internal.addAll(matches(SHELL_EXPORT, code(JDK_FINDER)));
        for (Path script : LAUNCHERS) {
            for (String variable : matches(SHELL_READ, code(script))) {
                if (!internal.contains(variable) && !variable.startsWith("BASH")) {
                    read.putIfAbsent(variable, script.toString());
                }
            }
        }
        return read;
    }

    /** @return the script without its comment lines (which name variables they do not read) */
    private static String code(Path script) throws IOException {
        StringBuilder code = new StringBuilder();
        for (String line : Files.readAllLines(script)) {
            if (!line.stripLeading().startsWith("#")) {
                code.append(line).append('\n');
            }
        }
        return code.toString();
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
