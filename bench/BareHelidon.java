import java.nio.charset.StandardCharsets;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;

/**
 * The physical limit for bench/overhead: Helidon SE with one route answering a fixed JSON
 * body, no features (feature discovery off, so nothing on the classpath joins in), compiled
 * against the same Helidon jars as Rotor. Run as {@code java BareHelidon PORT}.
 */
public final class BareHelidon {
    private static final byte[] BODY = "{\"service\":\"bare\",\"version\":\"0.1.0\",\"state\":\"SERVING\",\"n\":0}"
            .getBytes(StandardCharsets.US_ASCII);

    private BareHelidon() {
    }

    public static void main(String[] args) {
        WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(args[0]))
                .featuresDiscoverServices(false)
                .routing(r -> r.get("/", (req, res) -> {
                    res.header(HeaderValues.CONTENT_TYPE_JSON);
                    res.send(BODY);
                }))
                .build()
                .start();
    }
}
