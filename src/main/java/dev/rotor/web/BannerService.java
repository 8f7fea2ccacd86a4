package dev.rotor.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.function.Supplier;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

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

    private final String replicaId;
    private final Supplier<String> state;
    /** The body for the state it names: a replica's state changes a handful of times in its life. */
    private volatile Body body = new Body("", new byte[0]);

    private record Body(String state, byte[] json) {
    }

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
        String now = state.get();
        Body b = body;
        if (!b.state().equals(now)) {
            b = new Body(now, new JsonText().beginObject()
                    .name("service").value("rotor")
                    .name("version").value(VERSION)
                    .name("replica").value(replicaId)
                    .name("state").value(now)
                    .endObject().toBytes());
            body = b;
        }
        JsonText.send(res, b.json());
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
