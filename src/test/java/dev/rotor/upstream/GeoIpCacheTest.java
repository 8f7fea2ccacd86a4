package dev.rotor.upstream;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;

import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The geo-IP cache's bounds, with a fake ticker for its time to live.
 */
class GeoIpCacheTest {
    @Test
    void answersExpireAfterTheTtlAndTheCacheHoldsAtMostItsSize() throws Exception {
        AtomicLong nanos = new AtomicLong();
        OutboundConfig outbound = new OutboundConfig(4, 2, Duration.ofSeconds(30), Duration.ofSeconds(2),
                                                     Duration.ofSeconds(2), 65536);
        try (StandInServer provider = StandInServer.start(req -> Reply.json(200, "{\"status\":\"success\",\"country\":\"X\"}"));
             UpstreamMetrics metrics = new UpstreamMetrics(Metrics.globalRegistry());
             OutboundClient http = new OutboundClient(outbound, metrics)) {
            GeoIpConfig config = new GeoIpConfig(Optional.of(provider.url() + "/json/{ip}"), Duration.ofSeconds(2), 2,
                                                 Duration.ofMinutes(10));
            GeoIpClient geo = new GeoIpClient(http, config, metrics, nanos::get);
            geo.lookup("8.8.8.8", Correlation.NONE);
            nanos.addAndGet(Duration.ofMinutes(9).toNanos());
            geo.lookup("8.8.8.8", Correlation.NONE);
            assertThat("within the TTL: cached", provider.requests().size(), is(1));
            nanos.addAndGet(Duration.ofMinutes(2).toNanos());
            geo.lookup("8.8.8.8", Correlation.NONE);
            assertThat("past the TTL: asked again", provider.requests().size(), is(2));

            for (int i = 1; i <= 5; i++) {
                geo.lookup("9.9.9." + i, Correlation.NONE);
            }
            assertThat(geo.cached() <= 2, is(true));
        }
    }
}
