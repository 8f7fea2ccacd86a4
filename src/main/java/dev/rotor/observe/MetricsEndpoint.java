package dev.rotor.observe;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

import io.helidon.common.HelidonServiceLoader;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MeterRegistryFormatter;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.SystemTagsManager;
import io.helidon.metrics.spi.MeterRegistryFormatterProvider;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /observe/metrics}: the replica's meter registry in the Prometheus text format (or
 * OpenMetrics, when the scraper prefers it), with Helidon's own formatter and its
 * {@code ?scope=} and {@code ?name=} selections.
 *
 * <p>Why not Helidon's {@code MetricsObserver}: it adds a filter to every request of the socket
 * it serves (its "key performance indicator" meters, {@code requests_count} and friends, plus a
 * context entry per request), and when there is no admin port that socket is the public one. The
 * filter cost 13-15% of a {@code GET /}'s CPU ({@code docs/benchmarks.md}, issue 26), for meters
 * that Rotor's own ({@code rotor_requests_*}) already cover. This endpoint adds nothing to the
 * request path: it runs only when it is called, and only behind {@link ObserveGate}'s door.
 * Helidon's JSON format of the same meters is not served (nothing in Rotor's deploy files asks
 * for it); a caller that accepts neither text format gets {@code 406}.
 */
public final class MetricsEndpoint implements HttpService {
    private static final List<MediaType> SERVED = List.of(MediaTypes.TEXT_PLAIN, MediaTypes.APPLICATION_OPENMETRICS_TEXT);

    private final MeterRegistry registry;
    private final MetricsConfig metricsConfig;
    private final List<MeterRegistryFormatterProvider> formatters;

    /**
     * @param registry the registry every part of the replica registers with
     */
    public MetricsEndpoint(MeterRegistry registry) {
        this.registry = registry;
        this.metricsConfig = MetricsConfig.create();
        this.formatters = HelidonServiceLoader.builder(ServiceLoader.load(MeterRegistryFormatterProvider.class))
                .build()
                .asList();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::scrape);
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        res.header(HeaderValues.CACHE_NO_CACHE).header(HeaderValues.X_CONTENT_TYPE_OPTIONS_NOSNIFF);
        Optional<MediaType> mediaType = req.headers().bestAccepted(SERVED.toArray(new MediaType[0]));
        if (mediaType.isEmpty()) {
            res.status(Status.NOT_ACCEPTABLE_406).send();
            return;
        }
        List<String> scopes = req.query().all("scope", List::of);
        List<String> names = req.query().all("name", List::of);
        Optional<MeterRegistryFormatter> formatter = formatters.stream()
                .map(p -> p.formatter(mediaType.get(), metricsConfig, registry,
                                      SystemTagsManager.instance().scopeTagName(), scopes, names))
                .flatMap(Optional::stream)
                .findFirst();
        Optional<?> text = formatter.flatMap(MeterRegistryFormatter::format);
        if (text.isEmpty()) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        res.headers().contentType(mediaType.get());
        res.send(text.get());
    }
}
