package dev.rotor.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.support.Http;
import dev.rotor.support.RedisTestServer;
import dev.rotor.support.TestReplica;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The monitoring files: the alert rules pass promtool's check and their unit tests, the
 * Prometheus Operator copy in k8s/components/monitoring/ equals them and scrapes the rotor Service, and
 * every rotor_ metric the Grafana dashboard and the rules query is one a running replica exports.
 */
class MonitoringTest {
    private static final String RULES = "deploy/prometheus/rotor-rules.yaml";
    private static final String RULES_TEST = "deploy/prometheus/rotor-rules.test.yaml";
    private static final String DASHBOARD = "deploy/grafana/rotor-dashboard.json";
    /** Metrics the rules may name before the app exports them (none today). */
    private static final Set<String> PENDING_METRICS = Set.of();
    private static final Pattern METRIC = Pattern.compile("\\brotor_[a-z0-9_]+");

    /** Metric names (as exposed, with suffixes) of a replica with Redis and rate limiting on. */
    private static Set<String> exported;

    @BeforeAll
    static void scrapeARunningReplica() {
        try (RedisTestServer redis = RedisTestServer.startNew();
             TestReplica replica = TestReplica.start(Map.of("rotor.redis.url", redis.url(),
                                                            "rotor.admission.rate-limit", "600/PT1M"))) {
            assertThat(Http.status(replica.port(), "/"), is(200));
            String text = Http.get(replica.observePort(), "/observe/metrics").body();
            exported = new TreeSet<>();
            text.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .forEach(l -> exported.add(l.split("[{ ]", 2)[0]));
        }
    }

    @Test
    void everyRotorMetricOfTheDashboardIsExported() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Manifests.ROOT.resolve(DASHBOARD)));
        List<String> exprs = new ArrayList<>();
        dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
        dashboard.findValues("query").forEach(q -> exprs.add(q.asText()));
        assertThat(exprs, not(empty()));
        Set<String> used = metrics(exprs);
        assertThat(used.size() > 10, is(true));
        for (String name : used) {
            assertThat(DASHBOARD + " queries " + name, exported, hasItem(name));
        }
    }

    @Test
    void everyRotorMetricOfTheRulesIsExportedOrPending() {
        List<String> exprs = rules().stream().map(r -> String.valueOf(r.get("expr"))).toList();
        Set<String> used = metrics(exprs);
        for (String name : used) {
            if (!PENDING_METRICS.contains(name)) {
                assertThat(RULES + " queries " + name, exported, hasItem(name));
            }
        }
        assertThat("the stuck-work alert", used, hasItem("rotor_requests_stuck"));
    }

    @Test
    void rulesCoverRotationsBackOffRedisRejectionsStuckWorkAndEmergencyRotations() {
        List<String> alerts = rules().stream().map(r -> String.valueOf(r.get("alert"))).toList();
        assertThat(alerts, is(List.of("RotorRotatingTooFast", "RotorRestartBackoffRisk", "RotorRedisFallback",
                                      "RotorConcurrencyRejections", "RotorRateLimited", "RotorStuckWork",
                                      "RotorEmergencyRotation")));
    }

    /**
     * In evict mode every rotation is a new pod, so a new series: an alert on one series' resets,
     * or one that needs a replica's series to hold a condition for a while, never fires there.
     * Each alert's unit tests include that shape of series (a series that ends with 'stale')
     * unless the alert cannot apply to evict mode.
     */
    @Test
    void everyAlertIsUnitTestedWithTheSeriesOfEvictMode() throws IOException {
        String tests = Files.readString(Manifests.ROOT.resolve(RULES_TEST));
        List<String> blocks = List.of(tests.split("\n  - interval: "));
        for (Map<String, Object> rule : rules()) {
            String alert = String.valueOf(rule.get("alert"));
            if (alert.equals("RotorRestartBackoffRisk")) {
                continue; // liveness mode only: no restart back-off in evict or exit mode
            }
            assertThat(alert + " is unit-tested with series that end as evicted pods' do",
                       blocks.stream().anyMatch(b -> b.contains("alertname: " + alert) && b.contains(" stale'")), is(true));
        }
    }

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() {
        Tools.assumeOnPath("promtool", "promtool checks and unit-tests the alert rules; apt-get install prometheus");
        List<String> check = List.of("promtool", "check", "rules", RULES);
        assertThat(Tools.run(Manifests.ROOT, check).assertSucceeded(check).output(), containsString("SUCCESS"));
        List<String> test = List.of("promtool", "test", "rules", RULES_TEST);
        assertThat(Tools.run(Manifests.ROOT, test).assertSucceeded(test).output(), containsString("SUCCESS"));
    }

    @Test
    void prometheusRuleForTheOperatorEqualsTheRulesFile() throws IOException {
        Map<String, Object> rule = Manifests.yamlFile("k8s/components/monitoring/prometheusrule.yaml");
        assertThat(rule.get("apiVersion"), is("monitoring.coreos.com/v1"));
        assertThat(rule.get("kind"), is("PrometheusRule"));
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) rule.get("spec");
        assertThat("k8s/components/monitoring/prometheusrule.yaml spec.groups equal " + RULES,
                   spec.get("groups"), is(Manifests.yamlFile(RULES).get("groups")));
        String rendered = Manifests.renderKustomize("k8s/monitoring");
        assertThat(rendered, containsString("kind: PrometheusRule"));
        assertThat(rendered, containsString("kind: ServiceMonitor"));
    }

    @Test
    void serviceMonitorScrapesTheRotorServiceOnItsMetricsPath() throws IOException {
        Map<String, Object> monitor = Manifests.yamlFile("k8s/components/monitoring/servicemonitor.yaml");
        assertThat(monitor.get("kind"), is("ServiceMonitor"));
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) monitor.get("spec");
        @SuppressWarnings("unchecked")
        Map<String, String> selector = (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
        @SuppressWarnings("unchecked")
        Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).getFirst();
        Service service = Manifests.named(Manifests.kubernetes(), Service.class, "rotor");
        assertThat("selects the rotor Service", service.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()), is(true));
        assertThat(selector.isEmpty(), is(false));
        assertThat("a port name of the Service", service.getSpec().getPorts().stream().map(p -> p.getName()).toList(),
                   hasItem(String.valueOf(endpoint.get("port"))));
        assertThat(endpoint.get("path"), is("/observe/metrics"));
        assertThat(exported, hasItem("rotor_replica_quota"));
    }

    private static Set<String> metrics(List<String> exprs) {
        Set<String> names = new TreeSet<>();
        for (String e : exprs) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() {
        try {
            List<Map<String, Object>> all = new ArrayList<>();
            for (Map<String, Object> g : (List<Map<String, Object>>) Manifests.yamlFile(RULES).get("groups")) {
                all.addAll((List<Map<String, Object>>) g.get("rules"));
            }
            return all;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
