package dev.rotor.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * Builds the one {@link Config} of a replica. Sources, highest priority first:
 * <ol>
 *     <li>the documented environment variables ({@link EnvOverrides});</li>
 *     <li>explicit overrides (tests and tools pass them; production passes none);</li>
 *     <li>the file named by {@code ROTOR_CONFIG}, else {@code ./application.yaml} if present;</li>
 *     <li>the {@code application.yaml} inside the jar, which is the repository's root file.</li>
 * </ol>
 * Helidon's implicit environment and system-property sources are disabled so that only
 * documented names change behaviour.
 */
public final class ConfigLoader {
    /** Environment variable naming an alternative configuration file. */
    public static final String CONFIG_FILE_VARIABLE = "ROTOR_CONFIG";

    private ConfigLoader() {
    }

    /**
     * @param env       the process environment
     * @param overrides key -> value pairs that win over the files (not over the environment)
     * @return the layered configuration
     */
    public static Config load(Map<String, String> env, Map<String, String> overrides) {
        Config.Builder builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(EnvOverrides.from(env), "environment"))
                .addSource(ConfigSources.create(overrides, "overrides"));
        String named = env.get(CONFIG_FILE_VARIABLE);
        if (named != null && !named.isBlank()) {
            Path file = Path.of(named);
            if (!Files.isReadable(file)) {
                throw new InvalidSettingException(CONFIG_FILE_VARIABLE,
                        "invalid configuration: " + CONFIG_FILE_VARIABLE + "=\"" + named
                                + "\" is not a readable file");
            }
            builder.addSource(ConfigSources.file(file));
        } else if (Files.isReadable(Path.of("application.yaml"))) {
            builder.addSource(ConfigSources.file(Path.of("application.yaml")));
        }
        return builder.addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }
}
