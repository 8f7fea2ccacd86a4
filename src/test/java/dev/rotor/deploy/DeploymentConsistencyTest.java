package dev.rotor.deploy;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.EnvOverrides;
import dev.rotor.config.Settings;
import dev.rotor.config.TimeoutChain;
import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.ExitMode;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.lifecycle.Triggers;
import dev.rotor.support.Http;
import dev.rotor.support.TestReplica;
import dev.rotor.web.WebConfig;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.isIn;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The deployment files agree with the app: the variables they set exist, their values are
 * valid settings, probe paths and ports are the ones the real server answers, and the probe
 * timings fit the drain (checked by simulating the kubelet against the real lifecycle).
 */
class DeploymentConsistencyTest {
    /** Time the endpoints controller and kube-proxy take to drop a pod that turned unready. */
    private static final Duration ENDPOINT_PROPAGATION = Duration.ofSeconds(5);
    /** Render stops routing to an instance whose health check failed for this long. */
    private static final Duration RENDER_DETECTION = Duration.ofSeconds(15);

    private static List<HasMetadata> objects;
    private static Map<String, String> settings;
    private static LifecycleConfig lifecycle;
    private static ExitMode exitMode;
    private static WebConfig web;
    private static dev.rotor.wire.WireConfig wire;
    private static dev.rotor.admission.AdmissionConfig admission;

    @BeforeAll
    static void read() {
        objects = Manifests.kubernetes();
        settings = Manifests.named(objects, ConfigMap.class, "rotor-settings-").getData();
        // the values exactly as the pod's environment would carry them, through the app's
        // own loader and validation: a bad value fails here as it would at startup
        Map<String, String> env = new HashMap<>(settings);
        for (EnvVar e : container().getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        Settings root = Settings.of(ConfigLoader.load(env, Map.of()));
        lifecycle = LifecycleConfig.from(root.node("rotor").node("lifecycle"));
        exitMode = DepartureConfig.exitMode(root.node("rotor").node("lifecycle"));
        web = WebConfig.from(root);
        admission = dev.rotor.admission.AdmissionConfig.from(root.node("rotor").node("admission"));
        wire = dev.rotor.wire.WireConfig.from(root.node("rotor").node("wire"), admission.maxConcurrentRequests());
    }

    @Test
    void everyVariableTheManifestsSetIsOneTheAppReads() throws Exception {
        Set<String> known = appVariables();
        settings.keySet().forEach(k -> assertThat("ConfigMap key " + k, k, isIn(known)));
        container().getEnv().forEach(e -> assertThat("env " + e.getName(), e.getName(), isIn(known)));
        Map<String, String> example = ((io.fabric8.kubernetes.api.model.Secret) Manifests.parse(
                Files.readString(Manifests.ROOT.resolve(KubernetesManifestsTest.SECRET_EXAMPLE))).getFirst()).getStringData();
        example.keySet().forEach(k -> assertThat("secret key " + k, k, isIn(known)));
    }

    @Test
    void kubernetesUsesLivenessModeWithAMinimumLifetimeBeyondTheRestartBackoff() {
        assertThat(exitMode, is(ExitMode.LIVENESS));
        // the kubelet forgets a container's restart back-off only after 10 minutes of running
        assertThat(lifecycle.minLifetime(), greaterThanOrEqualTo(Duration.ofMinutes(10)));
    }

    @Test
    void portsAgreeWithTheApp() {
        Container c = container();
        int containerPort = c.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no port named http")).getContainerPort();
        assertThat("the app listens on the container port", web.port(), is(containerPort));
        int adminPort = c.getPorts().stream().filter(p -> "admin".equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no port named admin")).getContainerPort();
        assertThat("operator paths on the pod's admin port", web.adminPort(), is(java.util.Optional.of(adminPort)));
        // the probes stay on the public port, which answers them whatever the admin port
        for (Probe p : List.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())) {
            assertThat(p.getHttpGet().getPort().getStrVal(), is("http"));
        }
        Service svc = Manifests.named(objects, Service.class, "rotor");
        assertThat(svc.getSpec().getPorts().getFirst().getTargetPort().getStrVal(), is("http"));
    }

    /** The probe paths of the manifests on the real server: 200s while serving, only readiness 503 while draining. */
    @Test
    void probePathsBehaveOnTheRealServerAsTheManifestsExpect() {
        Container c = container();
        String startup = c.getStartupProbe().getHttpGet().getPath();
        String readiness = c.getReadinessProbe().getHttpGet().getPath();
        String liveness = c.getLivenessProbe().getHttpGet().getPath();
        try (TestReplica replica = TestReplica.start(Map.of(
                "rotor.lifecycle.max-requests", "1",
                "rotor.lifecycle.max-requests-jitter", "0",
                "rotor.lifecycle.drain-period", "PT60S",
                "rotor.lifecycle.drain-timeout", "PT90S",
                "rotor.lifecycle.exit-mode", "liveness"))) {
            int port = replica.observePort();
            assertThat(startup, Http.status(port, startup), is(200));
            assertThat(readiness, Http.status(port, readiness), is(200));
            assertThat(liveness, Http.status(port, liveness), is(200));
            assertThat(Http.status(replica.port(), "/"), is(200));
            assertThat(replica.replica().lifecycle().state(), is(ReplicaState.DRAINING));
            assertThat("readiness while draining", Http.status(port, readiness), is(503));
            assertThat("liveness while draining", Http.status(port, liveness), is(200));
            assertThat("startup while draining", Http.status(port, startup), is(200));
        }
    }

    @Test
    void graceOutlastsPreStopShutdownDrainAndDrainTimeout() {
        PodSpec pod = Manifests.named(objects, Deployment.class, "rotor").getSpec().getTemplate().getSpec();
        List<String> preStop = container().getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop.getFirst(), is("sleep"));
        Duration pause = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
        Duration needed = lifecycle.drainTimeout().plus(lifecycle.shutdownDrainPeriod()).plus(pause);
        assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()), greaterThan(needed));
    }

    /**
     * The timeout chain: a request the replica admits may run the request timeout, and one
     * admitted at the end of the drain period (the Service still sends until then), or at the
     * end of the shutdown drain after SIGTERM, must finish inside the drain timeout; the grace
     * period outlasts that (graceOutlastsPreStopShutdownDrainAndDrainTimeout).
     */
    @Test
    void drainTimeoutOutlastsARequestAdmittedAtTheEndOfEitherDrain() {
        Duration request = wire.requestTimeout();
        assertThat("drain timeout > drain period + request timeout", lifecycle.drainTimeout(),
                   greaterThan(lifecycle.drainPeriod().plus(request)));
        assertThat("drain timeout > shutdown drain + request timeout", lifecycle.drainTimeout(),
                   greaterThan(lifecycle.shutdownDrainPeriod().plus(request)));
    }

    /**
     * A Service has no queue, so each replica queues: while one of the replicas rotates, the
     * others admit the documented load (their permits) and queue as much again for an uneven
     * spread, for longer than the documented requests (under 1 s) take.
     */
    @Test
    void theReplicasLeftDuringARotationAdmitAndQueueTheDocumentedLoad() {
        int replicas = Manifests.named(objects, Deployment.class, "rotor").getSpec().getReplicas();
        assertThat("one rotates while others serve", replicas, greaterThanOrEqualTo(3));
        int permits = admission.maxConcurrentRequests();
        int documentedInFlight = 100;
        assertThat("the replicas left admit the documented load", (replicas - 1) * permits,
                   greaterThanOrEqualTo(documentedInFlight));
        assertThat("one replica can take every connection a drained replica had, and its own",
                   permits + admission.queueLength(), greaterThanOrEqualTo(documentedInFlight));
        assertThat(admission.queueTimeout(), greaterThan(Duration.ofSeconds(1)));
        String docs;
        try {
            docs = Files.readString(Manifests.ROOT.resolve("docs/deploying.md"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat("docs/deploying.md states the documented load", docs,
                   containsString("up to " + documentedInFlight + " requests in flight"));
    }

    /** Leaks are bounded by memory whatever the rotation rate: the quota is a 10-minute timer here. */
    @Test
    void memoryTriggersAreOnBecauseTheMinimumLifetimeMakesTheQuotaATimer() {
        assertThat(lifecycle.maxHeapAfterGc(), greaterThan(0.0));
        assertThat(lifecycle.maxHeapAfterGc(), lessThan(1.0));
        assertThat(lifecycle.maxContainerMemory(), greaterThan(0.0));
        assertThat(lifecycle.maxContainerMemory(), lessThan(1.0));
    }

    @Test
    void readinessNoticesTheDrainBeforeItEnds() {
        Probe r = container().getReadinessProbe();
        Duration notice = Duration.ofSeconds((long) r.getPeriodSeconds() * r.getFailureThreshold());
        assertThat(notice.plus(ENDPOINT_PROPAGATION), lessThan(lifecycle.drainPeriod()));
    }

    @Test
    void startupProbeAllowsAColdJvm() {
        Probe s = container().getStartupProbe();
        assertThat(Duration.ofSeconds((long) s.getPeriodSeconds() * s.getFailureThreshold()),
                   greaterThanOrEqualTo(Duration.ofSeconds(30)));
    }

    /**
     * The kubelet, simulated from the manifest's probe settings against the real lifecycle with
     * the ConfigMap's timings, for every probe phase: readiness fails (and the pod leaves the
     * Service) before the drain period ends; liveness fails only once the drain is over; and the
     * container is restarted in bounded time.
     */
    @Test
    void kubeletTakesThePodOutDuringTheDrainAndRestartsItOnlyAfter() {
        Probe readiness = container().getReadinessProbe();
        Probe liveness = container().getLivenessProbe();
        long step = Duration.ofMillis(100).toNanos();
        long periodR = Duration.ofSeconds(readiness.getPeriodSeconds()).toNanos();
        long periodL = Duration.ofSeconds(liveness.getPeriodSeconds()).toNanos();
        for (long phase = 0; phase < Math.max(periodR, periodL); phase += step) {
            AtomicLong now = new AtomicLong();
            ReplicaLifecycle lc = new ReplicaLifecycle("sim", lifecycle, Triggers.quota(10, lifecycle.rotationCeiling()),
                                                       DepartureConfig.of(exitMode, 0).leaving(), now::get,
                                                       Clock.systemUTC());
            BooleanSupplier readinessCheck = checkAt(readiness.getHttpGet().getPath(), lc);
            BooleanSupplier livenessCheck = checkAt(liveness.getHttpGet().getPath(), lc);
            lc.serving();
            now.addAndGet(lifecycle.minLifetime().toNanos() + phase);
            for (int i = 0; i < 10; i++) {
                lc.requestStarted();
                lc.requestFinished();
            }
            lc.tick();
            assertThat(lc.state(), is(ReplicaState.DRAINING));
            long drainStart = now.get();
            Long notReadyAt = null;
            Long killedAt = null;
            int readyFails = 0;
            int liveFails = 0;
            long end = drainStart + lifecycle.drainTimeout().toNanos() + Duration.ofMinutes(2).toNanos();
            while (now.get() < end && killedAt == null) {
                now.addAndGet(step);
                lc.tick();
                long t = now.get();
                if (t % periodR == 0) {
                    readyFails = readinessCheck.getAsBoolean() ? 0 : readyFails + 1;
                    if (readyFails >= readiness.getFailureThreshold() && notReadyAt == null) {
                        notReadyAt = t;
                    }
                }
                if (t % periodL == 0) {
                    boolean live = livenessCheck.getAsBoolean();
                    if (!live) {
                        assertThat("liveness failed in state " + lc.state(), lc.state(), is(ReplicaState.EXPIRED));
                    }
                    liveFails = live ? 0 : liveFails + 1;
                    if (liveFails >= liveness.getFailureThreshold()) {
                        killedAt = t;
                    }
                }
            }
            assertThat("pod left the Service", notReadyAt, notNullValue());
            assertThat("the kubelet restarted the container", killedAt, notNullValue());
            Duration toNotReady = Duration.ofNanos(notReadyAt - drainStart);
            assertThat("phase " + phase + ": unready after " + toNotReady, toNotReady.plus(ENDPOINT_PROPAGATION),
                       lessThan(lifecycle.drainPeriod()));
            assertThat(Duration.ofNanos(killedAt - drainStart), lessThanOrEqualTo(lifecycle.drainTimeout().plus(
                    Duration.ofSeconds((long) liveness.getPeriodSeconds() * (liveness.getFailureThreshold() + 1)))));
        }
    }

    @Test
    void renderBlueprintAgreesWithTheApp() throws Exception {
        Map<String, Object> blueprint = Manifests.yamlFile("render.yaml");
        List<Map<String, Object>> services = list(blueprint.get("services"));
        Map<String, Object> webService = services.stream().filter(s -> "web".equals(s.get("type"))).findFirst().orElseThrow();
        assertThat(webService.get("runtime"), is("docker"));
        assertThat("Render's health check is the readiness probe",
                   webService.get("healthCheckPath"), is(container().getReadinessProbe().getHttpGet().getPath()));
        Map<String, Map<String, Object>> env = new HashMap<>();
        list(webService.get("envVars")).forEach(v -> env.put((String) v.get("key"), v));
        // Render runs the image: its entrypoint's variables (WORKERS, JAVA_OPTS, ...) count too
        Set<String> known = new HashSet<>(appVariables());
        known.addAll(Manifests.IMAGE_VARIABLES);
        env.keySet().forEach(k -> assertThat("render.yaml envVars " + k, k, isIn(known)));
        assertThat("the port variable the app reads", String.valueOf(env.get("PORT").get("value")), is(String.valueOf(web.port())));
        assertThat(env.get("ROTOR_EXIT_MODE").get("value"), is("exit"));
        Map<String, String> values = new HashMap<>();
        env.forEach((k, v) -> {
            if (v.get("value") != null) {
                values.put(k, String.valueOf(v.get("value")));
            }
        });
        LifecycleConfig render = LifecycleConfig.from(Settings.of(ConfigLoader.load(values, Map.of())).node("rotor").node("lifecycle"));
        assertThat("drain outlasts Render's detection", render.drainPeriod(), greaterThan(RENDER_DETECTION));
        @SuppressWarnings("unchecked")
        Map<String, Object> redis = (Map<String, Object>) env.get("REDIS_URL").get("fromService");
        String kvName = (String) redis.get("name");
        assertThat(services.stream().anyMatch(s -> "keyvalue".equals(s.get("type")) && kvName.equals(s.get("name"))), is(true));
        env.values().stream().filter(v -> v.containsKey("sync"))
                .forEach(v -> assertThat("secrets are never in the file", v.get("value"), is((Object) null)));
    }

    /**
     * Render's half of the timeout chain: the drain outlasts a request admitted as the drain
     * period ends, Render's grace outlasts the drain, and the app is told that grace (so that
     * raising the drain alone is refused at startup instead of cut by Render's SIGKILL).
     */
    @Test
    void renderKeepsTheTimeoutChain() throws Exception {
        Map<String, Object> webService = list(Manifests.yamlFile("render.yaml").get("services")).stream()
                .filter(s -> "web".equals(s.get("type"))).findFirst().orElseThrow();
        Map<String, String> values = new HashMap<>();
        list(webService.get("envVars")).forEach(v -> {
            if (v.get("value") != null) {
                values.put((String) v.get("key"), String.valueOf(v.get("value")));
            }
        });
        TimeoutChain chain = TimeoutChain.from(Settings.of(ConfigLoader.load(values, Map.of())).node("rotor"));
        Duration grace = Duration.ofSeconds(((Number) webService.get("maxShutdownDelaySeconds")).longValue());
        assertThat("Render accepts 1 to 300 s", grace, lessThanOrEqualTo(Duration.ofSeconds(300)));
        assertThat("the app is told Render's grace", chain.stopGracePeriod().orElseThrow(), is(grace));
        assertThat("drain timeout > drain period + queue + request timeout", chain.drainTimeout(),
                   greaterThan(chain.drainPeriod().plus(chain.allowed())));
        assertThat("drain timeout > shutdown drain + queue + request timeout", chain.drainTimeout(),
                   greaterThan(chain.shutdownDrainPeriod().plus(chain.allowed())));
        assertThat(grace, greaterThan(chain.drainTimeout()));
    }

    @Test
    void composeAndHaproxyAgreeWithTheApp() throws Exception {
        Map<String, Object> compose = Manifests.yamlFile("docker-compose.yml");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        Set<String> known = new HashSet<>(appVariables());
        known.addAll(Manifests.IMAGE_VARIABLES);
        // gunicorn's names, passed through for users who bring them
        known.addAll(EnvOverrides.ALIASES.keySet());
        for (String app : List.of("app")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> env = (Map<String, Object>) services.get(app).get("environment");
            env.keySet().forEach(k -> assertThat(app + " environment " + k, k, isIn(known)));
            assertThat("compose restarts on exit only", env.get("ROTOR_EXIT_MODE"), is("exit"));
            assertThat(services.get(app).get("restart"), is("unless-stopped"));
        }
        String haproxy = Files.readString(Manifests.ROOT.resolve("deploy/haproxy.cfg"));
        assertThat(haproxy, containsString("uri " + container().getReadinessProbe().getHttpGet().getPath() + " "));
        assertThat(haproxy, containsString(" app:" + web.port()));
    }

    /**
     * What the app answers on a health path, as the lifecycle decides it; the mapping itself is
     * checked on the real server by {@link #probePathsBehaveOnTheRealServerAsTheManifestsExpect}.
     */
    private static BooleanSupplier checkAt(String path, ReplicaLifecycle lc) {
        return switch (path) {
            case "/observe/health/started" -> lc::started;
            case "/observe/health/ready" -> lc::ready;
            case "/observe/health/live" -> lc::live;
            default -> throw new AssertionError("the app serves no health check at " + path);
        };
    }

    private static Set<String> appVariables() {
        Set<String> known = new HashSet<>(EnvOverrides.KEYS.keySet());
        known.addAll(Manifests.PENDING_APP_VARIABLES);
        return known;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    private static Container container() {
        return Manifests.named(objects, Deployment.class, "rotor").getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("rotor")).findFirst().orElseThrow();
    }
}
