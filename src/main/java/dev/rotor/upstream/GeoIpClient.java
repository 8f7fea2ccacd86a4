package dev.rotor.upstream;

import java.net.InetAddress;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import dev.rotor.web.ApiException;
import dev.rotor.web.Jsons;

import io.helidon.http.Status;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.apache.http.HttpHeaders;
import org.apache.http.client.methods.HttpGet;

/**
 * Geo-IP lookups through a provider that answers like ip-api.com
 * ({@code {"status":"success","country":...}} or {@code {"status":"fail","message":...}}),
 * over the shared {@link OutboundClient}, with a bounded cache (size and time to live).
 * Loopback and private addresses are answered here without a lookup. Concurrent lookups of
 * one address share one provider call; failures are not cached.
 */
public final class GeoIpClient {
    static final String UPSTREAM = "geoip";
    private static final String[] TEXT_FIELDS = {"country", "countryCode", "region", "regionName", "city", "zip",
                                                 "timezone", "isp", "org", "as"};

    private final OutboundClient http;
    private final GeoIpConfig config;
    private final UpstreamMetrics metrics;
    private final Cache<String, JsonObject> cache;
    private final ConcurrentHashMap<String, CompletableFuture<JsonObject>> inFlight = new ConcurrentHashMap<>();

    /**
     * @param http    the shared outbound client
     * @param config  provider and cache settings
     * @param metrics where errors are counted
     * @param ticker  time source of the cache's expiry
     */
    public GeoIpClient(OutboundClient http, GeoIpConfig config, UpstreamMetrics metrics, Ticker ticker) {
        this.http = http;
        this.config = config;
        this.metrics = metrics;
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.cacheSize())
                .expireAfterWrite(config.cacheTtl())
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
    }

    /**
     * @param text   the address as the caller wrote it
     * @param caller the request's id and trace context, sent with a provider call (a lookup that
     *               waits for another request's call of the same address shares that call, and its id)
     * @return what is known about it
     * @throws ApiException 400 for anything but an IP literal, 503 when no provider is set,
     *                      502/503/504 when the provider fails
     */
    public JsonObject lookup(String text, Correlation caller) {
        InetAddress address = IpAddresses.parse(text).orElseThrow(
                () -> new ApiException(Status.BAD_REQUEST_400, "invalid_ip", "\"" + abbreviate(text)
                        + "\" is not an IPv4 or IPv6 address"));
        String ip = address.getHostAddress();
        Optional<String> scope = IpAddresses.localScope(address);
        if (scope.isPresent()) {
            return Jsons.PROVIDER.createObjectBuilder().add("ip", ip).add("scope", scope.get()).add("source", "local").build();
        }
        String template = config.urlTemplate().orElseThrow(
                () -> new ApiException(Status.SERVICE_UNAVAILABLE_503, "geoip_not_configured",
                                       "no geo-IP provider is configured; set ROTOR_GEOIP_URL, "
                                               + "e.g. http://ip-api.com/json/{ip}"));
        JsonObject hit = cache.getIfPresent(ip);
        if (hit != null) {
            return hit;
        }
        // The lookup runs on the caller's (virtual) thread; others asking for the same address
        // meanwhile wait for its future (the map is bounded by requests in flight). Caffeine's
        // own get(key, loader) would hold a map bin lock for the whole provider call and could
        // stall lookups of unrelated addresses; its async cache logs every failed load.
        CompletableFuture<JsonObject> mine = new CompletableFuture<>();
        CompletableFuture<JsonObject> existing = inFlight.putIfAbsent(ip, mine);
        if (existing != null) {
            try {
                return existing.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            // the address as written (already checked to be a literal): providers expect the
            // compressed IPv6 form that InetAddress does not produce
            JsonObject found = fetch(template, text, ip, caller);
            cache.put(ip, found);
            mine.complete(found);
            return found;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e); // failures are not cached
            throw e;
        } finally {
            inFlight.remove(ip, mine);
        }
    }

    /** @return answers cached now */
    public long cached() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private JsonObject fetch(String template, String written, String ip, Correlation caller) {
        HttpGet get = new HttpGet(URI.create(template.replace(GeoIpConfig.PLACEHOLDER, written)));
        get.setHeader(HttpHeaders.ACCEPT, "application/json");
        caller.applyTo(get);
        OutboundClient.Response response = http.exchange(UPSTREAM, get, config.timeout());
        UpstreamFailures.check(UPSTREAM, response, metrics);
        JsonObject body = UpstreamFailures.jsonObject(UPSTREAM, response.body(), metrics);
        String status = body.get("status") instanceof JsonString s ? s.getString() : "success";
        if ("fail".equals(status)) {
            String why = body.get("message") instanceof JsonString m ? m.getString() : "no reason given";
            throw new ApiException(Status.NOT_FOUND_404, "geoip_not_found", "the provider has no location for "
                    + ip + ": " + abbreviate(why));
        }
        JsonObjectBuilder out = Jsons.PROVIDER.createObjectBuilder().add("ip", ip).add("scope", "public").add("source", "provider");
        for (String field : TEXT_FIELDS) {
            if (body.get(field) instanceof JsonString s) {
                out.add(field, abbreviate(s.getString()));
            }
        }
        for (String field : new String[] {"lat", "lon"}) {
            JsonValue v = body.get(field);
            if (v instanceof JsonNumber n) {
                out.add(field, n.doubleValue());
            }
        }
        return out.build();
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }
}
