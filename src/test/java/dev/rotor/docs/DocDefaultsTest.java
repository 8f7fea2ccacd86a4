package dev.rotor.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.Settings;
import dev.rotor.lifecycle.LifecycleConfig;

import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * What the docs quote of the defaults matches the defaults: every key of application.yaml's
 * {@code rotor} node is in docs/configuration.md (a key read from the file without an
 * environment variable would escape {@link ConfigurationReferenceTest}), and the sample
 * startup line in docs/rotation.md shows the drain timeout a replica logs today.
 */
class DocDefaultsTest {
    private static final Path REFERENCE = Path.of("docs/configuration.md");

    @Test
    void everyKeyOfTheRotorNodeIsInTheReference() throws IOException {
        String reference = Files.readString(REFERENCE);
        List<String> missing = new ArrayList<>();
        for (String key : leafKeys(defaults().get("rotor"))) {
            if (!reference.contains("`" + key + "`")) {
                missing.add(key);
            }
        }
        assertThat("keys of application.yaml missing from " + REFERENCE, missing, is(empty()));
    }

    @Test
    void theKeyScanFindsNestedKeys() {
        // a scan that silently found nothing would pass the test above
        assertThat(leafKeys(defaults().get("rotor")), hasItem("rotor.redis.circuit.failure-threshold"));
    }

    @Test
    void theRotationDocsStartupLineShowsTheDefaultDrainTimeout() throws IOException {
        LifecycleConfig lifecycle = LifecycleConfig.from(Settings.of(defaults()).node("rotor").node("lifecycle"));
        // the replica logs the Duration as it prints itself (75 s is PT1M15S)
        assertThat(Files.readString(Path.of("docs/rotation.md")),
                   containsString("drain " + lifecycle.drainPeriod() + " (timeout " + lifecycle.drainTimeout() + ")"));
    }

    private static Config defaults() {
        return ConfigLoader.load(Map.of(), Map.of());
    }

    private static List<String> leafKeys(Config node) {
        List<String> keys = new ArrayList<>();
        node.traverse().filter(Config::isLeaf).forEach(c -> keys.add(c.key().toString()));
        return keys;
    }
}
