package dev.rotor.upstream;

import java.util.function.Function;

import dev.rotor.web.MethodNotAllowed;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/geo}: where an address is.
 * <pre>
 * curl -s localhost:8080/api/geo/8.8.8.8     # {"ip":"8.8.8.8","scope":"public","source":"provider","country":...}
 * curl -s localhost:8080/api/geo             # the caller's own address
 * curl -s localhost:8080/api/geo/10.0.0.1    # {"ip":"10.0.0.1","scope":"private","source":"local"}
 * </pre>
 */
public final class GeoIpService implements HttpService {
    private final GeoIpClient client;
    private final Function<ServerRequest, String> callerAddress;

    /**
     * @param client        the lookup client
     * @param callerAddress resolves the caller's address (through trusted proxies, once admission
     *                      provides that; the socket peer until then)
     */
    public GeoIpService(GeoIpClient client, Function<ServerRequest, String> callerAddress) {
        this.client = client;
        this.callerAddress = callerAddress;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::self)
                .any("/", MethodNotAllowed.allowing("GET"))
                .get("/{ip}", this::lookup)
                .any("/{ip}", MethodNotAllowed.allowing("GET"));
    }

    private void self(ServerRequest req, ServerResponse res) {
        res.send(client.lookup(callerAddress.apply(req), Correlation.of(req, res)));
    }

    private void lookup(ServerRequest req, ServerResponse res) {
        res.send(client.lookup(req.path().pathParameters().get("ip"), Correlation.of(req, res)));
    }
}
