import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.feature.RotorFeature;

import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

/**
 * A Helidon SE application that knows nothing about rotation, and gets it from one line:
 * a jittered request quota, drain and exit mode, startup/readiness/liveness probes,
 * {@code /observe/replica} and {@code /observe/metrics}, the concurrency and per-client rate
 * limits, the wire's deadlines, and SIGTERM draining.
 *
 * <pre>
 * ./mvnw -B -q -DskipTests package
 * ROTOR_MAX_REQUESTS=5 ROTOR_MAX_REQUESTS_JITTER=0 ROTOR_EXIT_MODE=exit \
 *   java -cp target/rotor.jar examples/hello/HelloRotor.java
 * curl localhost:8080/hello      # five times: the replica drains and exits 0
 * </pre>
 * Settings are Rotor's (the jar's application.yaml, a local one, the documented variables).
 */
public final class HelloRotor {
    private HelloRotor() {
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.load(System.getenv(), Map.of());
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .update(RotorFeature.create(config))
                .routing(routing -> routing.get("/hello", (req, res) -> res.send("hello\n")))
                .build()
                .start();
        System.getLogger(HelloRotor.class.getName()).log(System.Logger.Level.INFO, "hello on port " + server.port());
    }
}
