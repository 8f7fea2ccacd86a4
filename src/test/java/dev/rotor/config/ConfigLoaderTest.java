package dev.rotor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.rotor.lifecycle.LifecycleConfig;

import io.helidon.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The layers of a replica's configuration, and the working directory's copy of the jar's own
 * file, which is recognised and not parsed twice (the image ships one at /app/application.yaml).
 */
class ConfigLoaderTest {
    /** The repository's root file, which the build packs into the jar. */
    private static final Path ROOT_FILE = Path.of("application.yaml");

    @TempDir
    Path dir;

    private static LifecycleConfig lifecycle(Config config) {
        return LifecycleConfig.from(Settings.of(config).node("rotor").node("lifecycle"));
    }

    @Test
    void aCopyOfTheJarsFileIsRecognisedByteForByte() throws IOException {
        Path copy = Files.copy(ROOT_FILE, dir.resolve("application.yaml"));
        assertThat(ConfigLoader.sameAsPackaged(copy), is(true));

        Path edited = dir.resolve("edited.yaml");
        Files.writeString(edited, Files.readString(ROOT_FILE) + "# an operator's comment\n");
        assertThat("one more line is another file", ConfigLoader.sameAsPackaged(edited), is(false));

        Path changedByte = dir.resolve("changed.yaml");
        Files.writeString(changedByte, Files.readString(ROOT_FILE).replace("max-requests: 800", "max-requests: 801"));
        assertThat(ConfigLoader.sameAsPackaged(changedByte), is(false));
        assertThat("missing", ConfigLoader.sameAsPackaged(dir.resolve("absent.yaml")), is(false));
    }

    @Test
    void theWorkingDirectorysFileWinsOverTheJars() throws IOException {
        Path copy = Files.copy(ROOT_FILE, dir.resolve("application.yaml"));
        assertThat(lifecycle(ConfigLoader.load(Map.of(), Map.of(), copy)).maxRequests(), is(800L));

        // a file with the same length and one value changed: read on top of the jar's
        Path changed = dir.resolve("changed.yaml");
        Files.writeString(changed, Files.readString(ROOT_FILE).replace("max-requests: 800", "max-requests: 801"));
        LifecycleConfig c = lifecycle(ConfigLoader.load(Map.of(), Map.of(), changed));
        assertThat(c.maxRequests(), is(801L));
        assertThat("the rest still comes from the jar", c.maxRequestsJitter(), is(200L));

        // a short file sets only what it names
        Path partial = dir.resolve("partial.yaml");
        Files.writeString(partial, "rotor:\n  lifecycle:\n    max-requests: 420\n");
        assertThat(lifecycle(ConfigLoader.load(Map.of(), Map.of(), partial)).maxRequests(), is(420L));
        assertThat("the environment wins over it",
                   lifecycle(ConfigLoader.load(Map.of("ROTOR_MAX_REQUESTS", "700"), Map.of(), partial)).maxRequests(), is(700L));
    }

    @Test
    void rotorConfigNamesTheFileInsteadOfTheWorkingDirectorys() throws IOException {
        Path named = dir.resolve("named.yaml");
        Files.writeString(named, "rotor:\n  lifecycle:\n    max-requests: 550\n");
        Path working = dir.resolve("application.yaml");
        Files.writeString(working, "rotor:\n  lifecycle:\n    max-requests: 660\n");
        Map<String, String> env = Map.of(ConfigLoader.CONFIG_FILE_VARIABLE, named.toString());
        assertThat(lifecycle(ConfigLoader.load(env, Map.of(), working)).maxRequests(), is(550L));
        assertThat(lifecycle(ConfigLoader.load(Map.of(), Map.of(), working)).maxRequests(), is(660L));
    }

    @Test
    void anUnreadableRotorConfigIsASettingError() {
        Map<String, String> env = Map.of(ConfigLoader.CONFIG_FILE_VARIABLE, dir.resolve("absent.yaml").toString());
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> ConfigLoader.load(env, Map.of(), ROOT_FILE));
        assertThat(e.getMessage(), containsString("is not a readable file"));
    }
}
