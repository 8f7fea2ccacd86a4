package dev.rotor.feature;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.spi.ServerFeature;
import io.helidon.webserver.spi.ServerFeatureProvider;

/**
 * A server feature of the host application's, as a library brings one: registered under
 * {@code META-INF/services}, found by Helidon's discovery, never added by hand. It answers
 * {@code GET /host-feature} (no other test asks for it), so {@link HostFeaturesTest} can see it
 * was set up next to Rotor's.
 */
public final class HostFeatureProvider implements ServerFeatureProvider<HostFeatureProvider.HostFeature> {
    static final String TYPE = "rotor-test-host";

    @Override
    public String configKey() {
        return TYPE;
    }

    @Override
    public HostFeature create(io.helidon.common.config.Config config, String name) {
        return new HostFeature(name);
    }

    /** Its one route. */
    public static final class HostFeature implements ServerFeature {
        private final String name;

        HostFeature(String name) {
            this.name = name;
        }

        @Override
        public void setup(ServerFeatureContext featureContext) {
            featureContext.socket(WebServer.DEFAULT_SOCKET_NAME).httpRouting()
                    .get("/host-feature", (req, res) -> res.send("host feature"));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String type() {
            return TYPE;
        }
    }
}
