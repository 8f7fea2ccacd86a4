package dev.rotor.admission;

import java.time.Duration;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdmissionConfigTest {
    private static AdmissionConfig admission(Map<String, String> env) {
        return AdmissionConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("admission"));
    }

    @Test
    void defaultsAreTheOriginalDeploymentsBounds() {
        AdmissionConfig c = admission(Map.of());
        assertThat(c.maxConcurrentRequests(), is(50));
        // a queue as long as the limit: a request that finds every permit taken waits (at most a
        // second) instead of a 503, which absorbs a front door that sends the next request the
        // moment an answer arrives, before the answered request's handler has given its permit back
        assertThat(c.queueLength(), is(50));
        assertThat(c.maxPayloadSize(), is(1024L * 1024));
        assertThat(c.rateLimit().isPresent(), is(false));
        assertThat(c.trustedProxies().isEmpty(), is(true));
        assertThat(c.expectedReplicas(), is(2));
    }

    @Test
    void environmentSetsTheRateLimitAndTrustedProxies() {
        AdmissionConfig c = admission(Map.of("ROTOR_RATE_LIMIT", "120/1m",
                                             "ROTOR_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8",
                                             "MAX_CONCURRENT_REQUESTS", "8"));
        assertThat(c.rateLimit().orElseThrow(), is(new RateLimit(120, Duration.ofMinutes(1))));
        assertThat(c.rateLimit().orElseThrow().intervalMicros(), is(500_000L));
        assertThat(c.maxConcurrentRequests(), is(8));
    }

    @Test
    void badValuesNameTheVariable() {
        InvalidSettingException rate = assertThrows(InvalidSettingException.class,
                                                    () -> admission(Map.of("ROTOR_RATE_LIMIT", "lots")));
        assertThat(rate.getMessage(), containsString("ROTOR_RATE_LIMIT (rotor.admission.rate-limit) = \"lots\""));
        assertThat(rate.getMessage(), containsString("120/PT1M"));
        InvalidSettingException proxies = assertThrows(InvalidSettingException.class,
                                                       () -> admission(Map.of("ROTOR_TRUSTED_PROXIES", "lb.internal")));
        assertThat(proxies.getMessage(), containsString("ROTOR_TRUSTED_PROXIES"));
        assertThrows(InvalidSettingException.class, () -> admission(Map.of("MAX_CONCURRENT_REQUESTS", "0")));
    }

    @Test
    void theClientIpHeaderIsBelievedOnlyWithTrustedProxies() {
        assertThat(admission(Map.of()).clientIpHeader().isPresent(), is(false));
        AdmissionConfig render = admission(Map.of("ROTOR_TRUSTED_PROXIES", "10.0.0.0/8",
                                                  "ROTOR_CLIENT_IP_HEADER", "CF-Connecting-IP"));
        assertThat(render.clientIpHeader().orElseThrow().lowerCase(), is("cf-connecting-ip"));
        assertThat(render.describe(), containsString("client-ip-header=CF-Connecting-IP"));
        InvalidSettingException alone = assertThrows(InvalidSettingException.class,
                                                     () -> admission(Map.of("ROTOR_CLIENT_IP_HEADER", "CF-Connecting-IP")));
        assertThat(alone.getMessage(), containsString("ROTOR_CLIENT_IP_HEADER"));
        assertThat(alone.getMessage(), containsString("ROTOR_TRUSTED_PROXIES"));
        InvalidSettingException bad = assertThrows(InvalidSettingException.class, () -> admission(Map.of(
                "ROTOR_TRUSTED_PROXIES", "10.0.0.0/8", "ROTOR_CLIENT_IP_HEADER", "X-Forwarded-For")));
        assertThat(bad.getMessage(), containsString("ROTOR_CLIENT_IP_HEADER (rotor.admission.client-ip-header)"));
    }
}
