package dev.rotor.deploy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.rotor.lifecycle.LifecycleConfig;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isIn;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * {@code render.yaml} against Render's Blueprint spec (https://render.com/docs/blueprint-spec)
 * and the app: a deploy never cuts a drain, everything runs in one region, the user's secrets
 * are asked for in the Dashboard, and rate limiting is on behind Render's proxy.
 */
class RenderBlueprintTest {
    /** Render's regions (Blueprint spec, region field). */
    private static final List<String> REGIONS = List.of("oregon", "ohio", "virginia", "frankfurt", "singapore");

    private final List<Map<String, Object>> services = services();
    private final Map<String, Object> web = services.stream().filter(s -> "web".equals(s.get("type"))).findFirst().orElseThrow();
    private final Map<String, Map<String, Object>> env = env(web);

    @Test
    void renderWaitsForTheWholeDrainAfterSigterm() {
        Object delay = web.get("maxShutdownDelaySeconds");
        assertThat("maxShutdownDelaySeconds (Render's default is 30 s)", delay, notNullValue());
        int seconds = (Integer) delay;
        assertThat("the spec's range", seconds, lessThanOrEqualTo(300));
        LifecycleConfig lifecycle = AppSettings.of(values()).lifecycle();
        // on SIGTERM: readiness down for the shutdown drain, then in-flight work, bounded by the drain timeout
        long needed = lifecycle.drainTimeout().plus(lifecycle.shutdownDrainPeriod()).toSeconds();
        assertThat("maxShutdownDelaySeconds >= drain timeout + shutdown drain", (long) seconds, greaterThanOrEqualTo(needed));
    }

    /**
     * Render restarts a service whose health checks have failed for 60 consecutive seconds
     * (https://render.com/docs/health-checks). A rotation in place fails none: the draining JVM
     * stays ready until the next one, which the image's entrypoint starts in the same instance,
     * is (ReplicaLifecycle.ready), and then stops accepting. So the drain timeout is not bounded
     * by those 60 s (it was, when readiness went down for the whole drain): the timeout chain
     * sets it above the request timeout instead (DeploymentConsistencyTest.renderKeepsTheTimeoutChain).
     */
    @Test
    void aRotationEndsBeforeRenderWouldRestartTheInstance() {
        LifecycleConfig lifecycle = AppSettings.of(values()).lifecycle();
        assertThat("the drain period lets Render's routing (15 s of failed checks) notice first",
                   lifecycle.drainPeriod().toSeconds(), greaterThanOrEqualTo(15L));
        assertThat("the entrypoint starts the next JVM itself (not set to false)",
                   String.valueOf(values().getOrDefault("ROTOR_RESPAWN", "true")), is("true"));
    }

    @Test
    void everyServiceNamesOneRegion() {
        String region = String.valueOf(web.get("region"));
        assertThat(region, isIn(REGIONS));
        for (Map<String, Object> s : services) {
            assertThat(s.get("name") + " region (Key Value is private to its region)", String.valueOf(s.get("region")), is(region));
        }
    }

    @Test
    void theDashboardAsksForTheKeyAndTheGeoIpUrl() {
        for (String key : List.of("TOGETHER_API_KEY", "ROTOR_GEOIP_URL")) {
            Map<String, Object> v = env.get(key);
            assertThat(key + " is declared", v, notNullValue());
            assertThat(key + " sync: false", v.get("sync"), is(false));
            assertThat(key + " has no value in the file", v.containsKey("value"), is(false));
        }
    }

    @Test
    void accessLogIsOnAndEveryLineIsJsonForRendersLogStream() throws Exception {
        AppSettings app = AppSettings.of(values());
        assertThat(app.logging().accessLog(), is(true));
        assertThat(app.logging().format(), is(dev.rotor.logging.LogFormat.JSON));
    }

    @Test
    void rateLimitingIsOnBehindRendersProxy() throws Exception {
        AppSettings app = AppSettings.of(values());
        assertThat(app.admission().rateLimit().orElseThrow().limit(), is(600L));
        assertThat(app.admission().rateLimit().orElseThrow().window(), is(java.time.Duration.ofMinutes(1)));
        assertThat("Render's proxy, on its private network", app.admission().trustedProxies().trusts(java.net.InetAddress.getByName("10.204.3.7")), is(true));
        assertThat(app.admission().trustedProxies().trusts(java.net.InetAddress.getByName("203.0.113.7")), is(false));
        assertThat("Cloudflare's client address, believed from Render's proxy only",
                   app.admission().clientIpHeader().orElseThrow().defaultCase(), is("CF-Connecting-IP"));
    }

    private Map<String, String> values() {
        Map<String, String> values = new HashMap<>();
        env.forEach((k, v) -> {
            if (v.get("value") != null) {
                values.put(k, String.valueOf(v.get("value")));
            }
        });
        return values;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> services() {
        try {
            return (List<Map<String, Object>>) Manifests.yamlFile("render.yaml").get("services");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> env(Map<String, Object> service) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        ((List<Map<String, Object>>) service.get("envVars")).forEach(v -> out.put((String) v.get("key"), v));
        return out;
    }
}
