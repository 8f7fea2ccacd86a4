package dev.rotor.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;

/**
 * {@code GET /}: a small public banner that counts toward the quota like any public route.
 * <pre>
 * curl -s localhost:8080/
 * {"service":"rotor","version":"0.1.0","replica":"7f3a2c","state":"SERVING"}
 * </pre>
 */
public final class BannerService implements HttpService {
    /** The build's version, from the filtered {@code rotor-version.properties}. */
    public static final String VERSION = readVersion();
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());

    private final String replicaId;
    private final Supplier<String> state;

    /**
     * @param replicaId this replica's id
     * @param state     its current state's name
     */
    public BannerService(String replicaId, Supplier<String> state) {
        this.replicaId = replicaId;
        this.state = state;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::banner)
                .any("/", MethodNotAllowed.allowing("GET"));
    }

    private void banner(ServerRequest req, ServerResponse res) {
        res.send(JSON.createObjectBuilder()
                         .add("service", "rotor")
                         .add("version", VERSION)
                         .add("replica", replicaId)
                         .add("state", state.get())
                         .build());
    }

    private static String readVersion() {
        try (InputStream in = BannerService.class.getResourceAsStream("/rotor-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
