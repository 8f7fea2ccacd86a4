package dev.rotor;

import java.lang.System.Logger.Level;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.EnvOverrides;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;
import dev.rotor.logging.Logging;
import dev.rotor.logging.LoggingConfig;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/**
 * Starts one Rotor replica: configuration, then the replica (Rotor's feature, the service's
 * parts and routes, the server, with SIGTERM and SIGINT draining it). Nothing else lives here.
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());
    /** Exit status for a configuration that cannot be used. */
    static final int EXIT_BAD_CONFIG = 2;
    /** Exit status when the server cannot start (port taken, for instance). */
    static final int EXIT_START_FAILED = 1;

    private Main() {
    }

    /**
     * @param args ignored; configuration comes from application.yaml and the environment
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        try {
            Config config = ConfigLoader.load(System.getenv(), Map.of());
            // level and format first, so that the gunicorn notices below come out in them too
            LoggingConfig logging = Logging.configure(Settings.of(config).node("rotor"));
            EnvOverrides.notices(System.getenv()).forEach(notice -> LOG.log(Level.WARNING, notice));
            Replica.start(config, logging, System::exit, true);
        } catch (InvalidSettingException e) {
            System.err.println("rotor: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "rotor failed to start: " + e.getMessage(), e);
            System.exit(EXIT_START_FAILED);
        }
    }
}
