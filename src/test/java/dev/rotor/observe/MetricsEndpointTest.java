package dev.rotor.observe;

import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * {@code /observe/metrics} served by Rotor's own endpoint, on a real replica with and without an
 * admin port: the formats a Prometheus scraper asks for, the selections, and no Helidon
 * per-request ("key performance indicator") meters, whose filter is what the endpoint exists to
 * keep off the public request path.
 */
class MetricsEndpointTest {

    @Test
    void thePublicPortServesTheRegistryToThisMachineWithoutFilteringPublicRequests() {
        try (TestReplica r = TestReplica.start(Map.of())) {
            for (int i = 0; i < 3; i++) {
                assertThat(Http.status(r.port(), "/"), is(200));
            }
            assertServed(r.port());
        }
    }

    @Test
    void theAdminPortServesTheSameAndThePublicPortNothing() throws Exception {
        int admin;
        try (ServerSocket s = new ServerSocket(0)) {
            admin = s.getLocalPort();
        }
        try (TestReplica r = TestReplica.start(Map.of("rotor.admin-port", String.valueOf(admin), "rotor.observe.token", ""))) {
            assertThat(Http.status(r.port(), "/"), is(200));
            assertServed(admin);
            assertThat(Http.status(r.port(), "/observe/metrics"), is(404));
        }
    }

    private static void assertServed(int port) {
        HttpResponse<String> text = Http.get(port, "/observe/metrics");
        assertThat(text.statusCode(), is(200));
        assertThat(text.headers().firstValue("Content-Type").orElse(""), startsWith("text/plain"));
        assertThat(text.headers().firstValue("Cache-Control").orElse(""), containsString("no-cache"));
        assertThat("Rotor's meters", text.body(), containsString("rotor_replica_requests_total"));
        assertThat("the JVM's, from the same registry", text.body(), containsString("memory_usedHeap_bytes"));
        assertThat("no Helidon per-request meters: their filter is not installed", text.body(),
                   not(containsString("requests_count")));

        HttpResponse<String> openMetrics = accept(port, "/observe/metrics",
                                                  "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertThat(openMetrics.statusCode(), is(200));
        assertThat(openMetrics.headers().firstValue("Content-Type").orElse(""), startsWith("application/openmetrics-text"));
        assertThat("OpenMetrics ends with its EOF marker", openMetrics.body().strip(), endsWith("# EOF"));

        HttpResponse<String> base = Http.get(port, "/observe/metrics?scope=base");
        assertThat(base.statusCode(), is(200));
        assertThat("a scope selects", base.body(), containsString("memory_usedHeap_bytes"));
        assertThat("a scope selects", base.body(), not(containsString("rotor_")));
        assertThat("nothing in a scope no meter has", Http.status(port, "/observe/metrics?scope=vendor"), is(404));

        HttpResponse<String> json = accept(port, "/observe/metrics", "application/json");
        assertThat("only the text formats are served", json.statusCode(), is(406));
    }

    private static HttpResponse<String> accept(int port, String path, String accept) {
        return Http.send(HttpRequest.newBuilder(Http.uri(port, path)).header("Accept", accept));
    }
}
