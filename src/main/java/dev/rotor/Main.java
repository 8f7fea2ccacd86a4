package dev.rotor;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.demo.DemoService;
import dev.rotor.lifecycle.CountingFilter;
import dev.rotor.session.SessionService;
import dev.rotor.upstream.GeoIpService;
import dev.rotor.web.BannerService;
import dev.rotor.web.ErrorResponses;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.http.HttpRouting;

import sun.misc.Signal;

/**
 * Starts one Rotor replica: configuration, then the replica (shared parts, server, routing),
 * then signal handling. Nothing else lives here.
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());
    /** Exit status for a configuration that cannot be used. */
    static final int EXIT_BAD_CONFIG = 2;
    /** Exit status when the server cannot start (port taken, for instance). */
    static final int EXIT_START_FAILED = 1;
    /** Exit status when the drain a stop signal starts fails itself. */
    static final int EXIT_STOP_FAILED = 1;

    private Main() {
    }

    /**
     * @param args ignored; configuration comes from application.yaml and the environment
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        // SIGTERM and SIGINT start our own drain; the JVM's default would run shutdown hooks at
        // once and exit with 143 while requests are still in flight. The handlers go in before
        // the replica starts: a signal that comes while it starts (a rollout, Ctrl-C) is kept
        // and answered with the same drain once it serves.
        AtomicReference<Replica> started = new AtomicReference<>();
        AtomicBoolean stopAsked = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    stopAsked.set(true);
                    Replica r = started.get();
                    if (r != null) {
                        onStopSignal(r::terminate, Runtime.getRuntime()::halt);
                    }
                });
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "cannot handle SIG" + name + " (" + e.getMessage() + "); it ends the process at once");
            }
        }
        Replica replica;
        try {
            Config config = ConfigLoader.load(System.getenv(), Map.of());
            replica = Replica.start(config, System::exit);
        } catch (InvalidSettingException e) {
            System.err.println("rotor: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "rotor failed to start: " + e.getMessage(), e);
            System.exit(EXIT_START_FAILED);
            return;
        }
        started.set(replica);
        if (stopAsked.get()) {
            // asked while starting (a signal from here on also calls terminate: it is idempotent)
            onStopSignal(replica::terminate, Runtime.getRuntime()::halt);
        }
    }

    /**
     * What SIGTERM and SIGINT do: start the replica's drain. Should that fail (seen when the
     * jar was replaced under the running JVM, so the drain's classes no longer load), stop at
     * once: a replica that ignores its stop signal would only meet SIGKILL later, or never.
     *
     * @param terminate starts the drain
     * @param halt      ends the process with a status, at once
     */
    static void onStopSignal(Runnable terminate, IntConsumer halt) {
        try {
            terminate.run();
        } catch (Throwable t) {
            System.err.println("rotor: the drain on a stop signal failed (" + t + "); stopping at once");
            halt.accept(EXIT_STOP_FAILED);
        }
    }

    /**
     * The public routes, used by production and by tests alike.
     *
     * @param routing  routing to fill
     * @param parts    the replica's routing-relevant parts
     */
    static void routing(HttpRouting.Builder routing, Replica.Parts parts) {
        ErrorResponses.register(routing);
        // admission first: a request it rejects never counts toward the quota
        routing.addFilter(parts.admission().filter())
                .addFilter(new CountingFilter(parts.lifecycle(), parts.leak()))
                .register("/", new BannerService(parts.lifecycle().id(), () -> parts.lifecycle().state().name()));
        routing.register("/api/sessions", new SessionService(parts.sessions(), parts.chat(), parts.chatConfig().timeout()));
        // the caller's own address as admission resolves it: X-Forwarded-For from trusted proxies only
        routing.register("/api/geo", new GeoIpService(parts.geo(), req -> parts.admission().identity().address(req)
                .map(java.net.InetAddress::getHostAddress)
                .orElseGet(() -> req.remotePeer().host())));
        if (parts.demo().endpoints()) {
            routing.register("/demo", new DemoService(parts.demo(), parts.lifecycle().id()));
        }
    }
}
