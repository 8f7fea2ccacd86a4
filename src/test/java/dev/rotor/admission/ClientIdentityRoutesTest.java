package dev.rotor.admission;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Render's exact shape against a real replica: the test plays Render's proxy on loopback
 * (trusted as 127.0.0.0/8 here, 10.0.0.0/8 on Render), sending what Cloudflare and the proxy
 * write. The rate limit and the geo-IP route must both see the visitor, not the edge.
 */
class ClientIdentityRoutesTest {
    private static final String EDGE = "104.22.17.40";
    private static StandInServer provider;
    private static TestReplica behindRender;

    @BeforeAll
    static void start() {
        provider = StandInServer.start(req -> Reply.json(200, "{\"status\":\"success\",\"country\":\"C"
                + req.path().substring(req.path().lastIndexOf('/') + 1) + "\",\"query\":\"x\"}"));
        behindRender = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                                "rotor.lifecycle.max-requests", "0",
                                                "rotor.admission.rate-limit", "3/PT1H",
                                                // one replica, no Redis: its share is the whole limit
                                                "rotor.admission.expected-replicas", "1",
                                                "rotor.admission.trusted-proxies", "127.0.0.0/8",
                                                "rotor.admission.client-ip-header", "CF-Connecting-IP"));
    }

    @AfterAll
    static void stop() {
        behindRender.close();
        provider.close();
    }

    private static HttpResponse<String> throughCloudflare(int port, String path, String visitor, String spoofedLeft) {
        return Http.send(HttpRequest.newBuilder(Http.uri(port, path))
                                 .header("CF-Connecting-IP", visitor)
                                 .header("X-Forwarded-For", spoofedLeft + visitor + ", " + EDGE)
                                 .GET());
    }

    @Test
    void theGeoIpRouteSeesTheVisitorNotTheCloudflareEdge() {
        HttpResponse<String> r = throughCloudflare(behindRender.port(), "/api/geo", "8.8.4.4", "6.6.6.6, ");
        assertThat(r.statusCode(), is(200));
        assertThat(Json.object(r.body()).getString("country"), is("C8.8.4.4"));
        assertThat(provider.requests().stream().noneMatch(q -> q.path().endsWith(EDGE)), is(true));
    }

    @Test
    void visitorsBehindOneEdgeHaveTheirOwnRateLimit() {
        for (int i = 0; i < 3; i++) {
            assertThat(throughCloudflare(behindRender.port(), "/", "198.51.100.1", "").statusCode(), is(200));
        }
        assertThat("the first visitor has used its 3", throughCloudflare(behindRender.port(), "/", "198.51.100.1", "")
                .statusCode(), is(429));
        assertThat("a spoofed left entry buys no new budget",
                   throughCloudflare(behindRender.port(), "/", "198.51.100.1", "203.0.113.99, ").statusCode(), is(429));
        assertThat("another visitor through the same edge is not limited",
                   throughCloudflare(behindRender.port(), "/", "198.51.100.2", "").statusCode(), is(200));
    }

    @Test
    void anUntrustedPeerCannotClaimAnAddressWithTheHeader() {
        // the same settings with loopback not trusted: the test is now a client reaching the
        // replica directly, and its CF-Connecting-IP is its own claim
        try (TestReplica direct = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                                           "rotor.admission.trusted-proxies", "10.0.0.0/8",
                                                           "rotor.admission.client-ip-header", "CF-Connecting-IP"))) {
            HttpResponse<String> r = throughCloudflare(direct.port(), "/api/geo", "8.8.8.8", "");
            assertThat(r.statusCode(), is(200));
            assertThat(Json.object(r.body()).getString("scope"), is("loopback"));
        }
    }
}
