package dev.rotor.deploy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.Settings;
import dev.rotor.fleet.FleetConfig;
import dev.rotor.lifecycle.LifecycleConfig;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The autoscaling component's HorizontalPodAutoscaler, rendered with the base, sized against
 * the manifests' own numbers: a rotation's dip and a JVM's start never add a pod, its replica
 * range fits the PodDisruptionBudget and the fleet's rotation slot, and a scale-down takes
 * pods no faster than the PDB would let a drain take them.
 */
class KubernetesAutoscalingTest {
    /** metrics-server's resolution is 15 s and a sample may cover up to two of them. */
    private static final Duration METRIC_WINDOW = Duration.ofSeconds(30);
    /** The HPA controller's default sync period. */
    private static final Duration HPA_PERIOD = Duration.ofSeconds(15);
    /**
     * A replica's JVM from start to a ready answer: 0.4-1.2 s measured with the image's AOT
     * cache and warm-up (docs/benchmarks.md); 2 s with room.
     */
    private static final Duration JVM_START = Duration.ofSeconds(2);
    /**
     * The kubelet's delay before restarting a container that exited after running 10 minutes
     * (its back-off starts at 10 s; the kubelet stand-in applies the same).
     */
    private static final Duration RESTART_DELAY = Duration.ofSeconds(10);

    private static HorizontalPodAutoscaler hpa;
    private static Deployment deployment;
    private static PodDisruptionBudget pdb;
    private static LifecycleConfig lifecycle;
    private static FleetConfig fleet;

    @BeforeAll
    static void render() {
        List<HasMetadata> objects = Manifests.withComponents(List.of("autoscaling"));
        hpa = Manifests.named(objects, HorizontalPodAutoscaler.class, "rotor");
        deployment = Manifests.named(objects, Deployment.class, "rotor");
        pdb = Manifests.named(objects, PodDisruptionBudget.class, "rotor");
        Map<String, String> settings = Manifests.named(objects, ConfigMap.class, "rotor-settings-").getData();
        Settings rotor = Settings.of(ConfigLoader.load(settings, Map.of())).node("rotor");
        lifecycle = LifecycleConfig.from(rotor.node("lifecycle"));
        fleet = FleetConfig.from(rotor.node("fleet"));
    }

    @Test
    void scalesTheRotorDeploymentOnCpuWhichSetsAsideUnreadyPods() {
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion(), is("apps/v1"));
        assertThat(hpa.getSpec().getScaleTargetRef().getKind(), is("Deployment"));
        assertThat(hpa.getSpec().getScaleTargetRef().getName(), is(deployment.getMetadata().getName()));
        // only a CPU resource metric: the HPA sets aside unready pods (a drain, a start) for CPU
        // alone; a custom metric (in-flight requests) would count a draining pod's fall
        List<MetricSpec> metrics = hpa.getSpec().getMetrics();
        assertThat(metrics.size(), is(1));
        assertThat(metrics.getFirst().getType(), is("Resource"));
        assertThat(metrics.getFirst().getResource().getName(), is("cpu"));
        assertThat(metrics.getFirst().getResource().getTarget().getType(), is("Utilization"));
        assertThat("utilization is of the CPU request", container().getResources().getRequests().get("cpu"), notNullValue());
    }

    @Test
    void aRotationsDipAndAJvmStartNeverAddAPod() {
        var r = container().getReadinessProbe();
        var l = container().getLivenessProbe();
        // liveness mode: readiness down for the drain, liveness fails (period x threshold), the
        // preStop pause, the restart delay, then a JVM start and one readiness period; evict
        // mode is shorter (the new pod starts when the eviction is accepted)
        Duration dip = lifecycle.drainPeriod()
                .plusSeconds((long) l.getPeriodSeconds() * l.getFailureThreshold())
                .plus(preStop())
                .plus(RESTART_DELAY)
                .plus(JVM_START)
                .plusSeconds(r.getPeriodSeconds());
        Duration window = Duration.ofSeconds(hpa.getSpec().getBehavior().getScaleUp().getStabilizationWindowSeconds());
        assertThat("scale-up waits out a rotation's dip (" + dip + ") seen through a metric window and an HPA period",
                   window, greaterThanOrEqualTo(dip.plus(METRIC_WINDOW).plus(HPA_PERIOD)));
    }

    /** The slot is held past a replica's stop until its restart is back in the Service. */
    @Test
    void leaseHoldCoversTheRestartUntilTheReplicaIsReadyAgain() {
        var r = container().getReadinessProbe();
        Duration back = RESTART_DELAY.plus(JVM_START).plusSeconds(r.getPeriodSeconds());
        assertThat("lease hold vs restart delay + start + a readiness period (" + back + ")", fleet.leaseHold(),
                   greaterThan(back));
    }

    @Test
    void replicaRangeFitsThePdbAndTheFleetsRotationSlots() {
        int min = hpa.getSpec().getMinReplicas();
        int maxUnavailable = pdb.getSpec().getMaxUnavailable().getIntVal();
        assertThat("never fewer than the base runs", min, greaterThanOrEqualTo(3));
        assertThat("one pod rotating and one disrupted at once leave one serving",
                   min, greaterThan(maxUnavailable + fleet.maxConcurrentRotations()));
        // each rotation holds a fleet slot from its drain through the liveness restart to the
        // lease hold after its stop; every replica needs one per minimum lifetime
        var l = container().getLivenessProbe();
        Duration slot = lifecycle.drainPeriod()
                .plusSeconds((long) l.getPeriodSeconds() * l.getFailureThreshold())
                .plus(preStop())
                .plus(fleet.leaseHold());
        int max = hpa.getSpec().getMaxReplicas();
        assertThat("max replicas x slot time (" + slot + ") within the slots' minimum lifetime",
                   slot.multipliedBy(max), lessThanOrEqualTo(lifecycle.minLifetime().multipliedBy(fleet.maxConcurrentRotations())));
    }

    @Test
    void scaleDownTakesAtMostThePdbsPodsPerGracePeriod() {
        var down = hpa.getSpec().getBehavior().getScaleDown();
        assertThat(down.getPolicies().isEmpty(), is(false));
        int maxUnavailable = pdb.getSpec().getMaxUnavailable().getIntVal();
        long grace = pod().getTerminationGracePeriodSeconds();
        for (HPAScalingPolicy p : down.getPolicies()) {
            assertThat("a count of pods, not a share of a growing fleet", p.getType(), is("Pods"));
            assertThat(p.getValue(), lessThanOrEqualTo(maxUnavailable));
            assertThat("the last one has terminated", (long) p.getPeriodSeconds(), greaterThan(grace));
        }
        assertThat("scale-down follows a fall of load that lasts", down.getStabilizationWindowSeconds(),
                   greaterThanOrEqualTo(300));
    }

    private static Duration preStop() {
        return Duration.ofSeconds(Long.parseLong(container().getLifecycle().getPreStop().getExec().getCommand().get(1)));
    }

    private static PodSpec pod() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    private static Container container() {
        return pod().getContainers().stream().filter(c -> c.getName().equals("rotor")).findFirst().orElseThrow();
    }
}
