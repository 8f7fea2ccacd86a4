package dev.rotor.departure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import dev.rotor.config.Settings;
import dev.rotor.lifecycle.Leaving;

/**
 * How an expired replica leaves: the exit mode and status ({@code rotor.lifecycle.exit-mode},
 * {@code rotor.lifecycle.exit-code}) and, for self-eviction, how to reach the Kubernetes API
 * ({@code rotor.kubernetes}). Read here and nowhere else: the lifecycle is told only what it
 * needs ({@link #leaving()}).
 *
 * @param mode       how an expired replica leaves
 * @param exitCode   process status in {@link ExitMode#EXIT}
 * @param kubernetes the API, checked usable when the mode is {@link ExitMode#EVICT}
 */
public record DepartureConfig(ExitMode mode, int exitCode, KubernetesConfig kubernetes) {
    /**
     * @param lifecycle  the {@code rotor.lifecycle} node (exit mode and code)
     * @param kubernetes the {@code rotor.kubernetes} node
     * @return validated settings
     */
    public static DepartureConfig from(Settings lifecycle, Settings kubernetes) {
        ExitMode mode = exitMode(lifecycle);
        return new DepartureConfig(mode, lifecycle.integer("exit-code", 0, 255),
                                   KubernetesConfig.from(kubernetes, mode == ExitMode.EVICT));
    }

    /**
     * @param lifecycle the {@code rotor.lifecycle} node
     * @return the exit mode alone, without checking what evict mode needs (deployment file checks)
     */
    public static ExitMode exitMode(Settings lifecycle) {
        return lifecycle.choice("exit-mode", ExitMode.class);
    }

    /**
     * Settings that never evict for real (tests and tools): the Kubernetes API is unreachable.
     *
     * @param mode     the exit mode
     * @param exitCode the status in exit mode
     * @return settings
     */
    public static DepartureConfig of(ExitMode mode, int exitCode) {
        return new DepartureConfig(mode, exitCode, new KubernetesConfig(URI.create("https://kubernetes.default.svc"),
                Path.of("/nonexistent/token"), Path.of("/nonexistent/ca"), "", "", Duration.ofSeconds(5),
                Duration.ofSeconds(5)));
    }

    /** @return the mode as operators write it: {@code liveness}, {@code exit}, {@code evict} */
    public String modeName() {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    /** @return the settings as the startup line names them: {@code exit-mode=exit exit-code=0} */
    public String describe() {
        return "exit-mode=" + modeName() + " exit-code=" + exitCode;
    }

    /** @return what the lifecycle needs to know of it: whether liveness turns down at expiry, and the words */
    public Leaving leaving() {
        String how = switch (mode) {
            case LIVENESS -> "liveness down, the orchestrator restarts it";
            case EXIT -> "stopping and exiting with code " + exitCode;
            case EVICT -> "asking Kubernetes to evict the pod";
        };
        return new Leaving(modeName(), mode == ExitMode.LIVENESS, how);
    }
}
