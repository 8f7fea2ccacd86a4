package dev.rotor.upstream;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * Geo-IP lookups against a real local server that answers like ip-api.com.
 */
class GeoIpTest {
    /**
     * The provider call's timeout: long enough for a first call on a cold, busy 2-core machine
     * (0.5 s was not: an ordinary lookup got 504 at a load average of 15), short enough that the
     * slow stand-in (three of it) is cut by it.
     */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static StandInServer provider;
    private static TestReplica replica;

    @BeforeAll
    static void start() {
        provider = StandInServer.start(req -> switch (req.path()) {
            case "/json/8.8.8.8", "/json/2001:4860:4860::8888" -> Reply.json(200, "{\"status\":\"success\","
                    + "\"country\":\"United States\",\"countryCode\":\"US\",\"city\":\"Mountain View\",\"lat\":37.4,"
                    + "\"lon\":-122.1,\"isp\":\"Google LLC\",\"query\":\"8.8.8.8\"}");
            case "/json/1.1.1.1" -> Reply.json(500, "oops");
            case "/json/1.0.0.1" -> Reply.json(200, "<html>not json</html>");
            case "/json/9.9.9.9" -> Reply.json(429, "{}").with("Retry-After", "30");
            case "/json/4.4.4.4" -> Reply.json(200, "{}").after(TIMEOUT.multipliedBy(3));
            case "/json/5.5.5.5" -> Reply.resetConnection();
            default -> Reply.json(200, "{\"status\":\"fail\",\"message\":\"reserved range\"}");
        });
        replica = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                           "rotor.geoip.timeout", TIMEOUT.toString(),
                                           "rotor.lifecycle.max-requests", "0",
                                           // the test plays a proxy on loopback, as HAProxy does in compose
                                           "rotor.admission.trusted-proxies", "127.0.0.0/8"));
    }

    @AfterAll
    static void stop() {
        replica.close();
        provider.close();
    }

    private static HttpResponse<String> geo(String path) {
        return Http.get(replica.port(), "/api/geo" + path);
    }

    private static int lookups(String ip) {
        return (int) provider.requests().stream().filter(r -> r.path().equals("/json/" + ip)).count();
    }

    @Test
    void aPublicAddressIsLookedUpOnceThenCached() {
        JsonObject first = Json.object(geo("/8.8.8.8").body());
        assertThat(first.getString("country"), is("United States"));
        assertThat(first.getString("city"), is("Mountain View"));
        assertThat(first.getString("source"), is("provider"));
        assertThat(Json.object(geo("/8.8.8.8").body()).getString("countryCode"), is("US"));
        assertThat(lookups("8.8.8.8"), is(1));
        assertThat(geo("/2001:4860:4860::8888").statusCode(), is(200));
    }

    @Test
    void theCallersOwnAddressComesThroughTrustedProxiesOnly() {
        HttpResponse<String> r = Http.send(java.net.http.HttpRequest.newBuilder(Http.uri(replica.port(), "/api/geo"))
                                                   .header("X-Forwarded-For", "6.6.6.6, 8.8.8.8").GET());
        assertThat(r.statusCode(), is(200));
        // the rightmost untrusted hop is the client, not the spoofable leftmost entry
        assertThat(Json.object(r.body()).getString("city"), is("Mountain View"));
    }

    @Test
    void privateAndLoopbackAddressesAreAnsweredWithoutALookup() {
        int before = provider.requests().size();
        for (String ip : new String[] {"127.0.0.1", "10.1.2.3", "192.168.0.9", "172.16.5.4", "::1", "fd00::1",
                                       "169.254.1.1", "100.64.0.1", "0.0.0.0"}) {
            HttpResponse<String> r = geo("/" + ip);
            assertThat(ip, r.statusCode(), is(200));
            assertThat(ip, Json.object(r.body()).getString("source"), is("local"));
        }
        // the caller's own address: the test connects from loopback
        assertThat(Json.object(geo("").body()).getString("scope"), is("loopback"));
        assertThat(provider.requests().size(), is(before));
    }

    @Test
    void providerFailuresMapTo502503504And404() {
        assertThat(geo("/1.1.1.1").statusCode(), is(502));
        assertThat(geo("/1.0.0.1").statusCode(), is(502));
        HttpResponse<String> limited = geo("/9.9.9.9");
        assertThat(limited.statusCode(), is(503));
        assertThat(limited.headers().firstValue("Retry-After").orElse(""), is("30"));
        assertThat(geo("/4.4.4.4").statusCode(), is(504));
        assertThat(geo("/5.5.5.5").statusCode(), is(502));
        HttpResponse<String> unknown = geo("/203.0.113.7");
        assertThat(unknown.statusCode(), is(404));
        assertThat(unknown.body(), containsString("reserved range"));
        // failures are not cached: a second try asks again
        geo("/1.1.1.1");
        assertThat(lookups("1.1.1.1"), is(2));
    }

    @Test
    void withoutAProviderAPublicLookupIs503NamingTheVariable() {
        try (TestReplica bare = TestReplica.start(Map.of())) {
            HttpResponse<String> r = Http.get(bare.port(), "/api/geo/8.8.8.8");
            assertThat(r.statusCode(), is(503));
            assertThat(Json.object(r.body()).getString("error"), is("geoip_not_configured"));
            assertThat(r.body(), containsString("ROTOR_GEOIP_URL"));
            assertThat(Http.get(bare.port(), "/api/geo/10.0.0.1").statusCode(), is(200));
        }
    }
}
