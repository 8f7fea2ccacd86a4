package dev.rotor.deploy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import dev.rotor.departure.ExitMode;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * The optional parts of {@code k8s/} are Kustomize components, so that any of them combine
 * in one kustomization (two overlays that each include the base cannot: kustomize refuses the
 * second copy of every object). Every combination renders, each object once, with settings
 * the app accepts, and each component brings exactly its own changes.
 */
class KubernetesCombinationsTest {
    static final List<String> COMPONENTS = List.of("evict", "redis-ha", "monitoring", "autoscaling");

    /** @return every subset of the components, the empty one included */
    static Stream<List<String>> combinations() {
        List<List<String>> all = new ArrayList<>();
        for (int mask = 0; mask < 1 << COMPONENTS.size(); mask++) {
            List<String> pick = new ArrayList<>();
            for (int i = 0; i < COMPONENTS.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    pick.add(COMPONENTS.get(i));
                }
            }
            all.add(pick);
        }
        return all.stream();
    }

    @Test
    void everyCombinationRendersEachObjectOnceWithItsComponentsChanges() {
        combinations().forEach(KubernetesCombinationsTest::checkCombination);
    }

    private static void checkCombination(List<String> components) {
        List<HasMetadata> objects = Manifests.withComponents(components);
        Set<String> ids = new HashSet<>();
        for (HasMetadata o : objects) {
            assertThat(components + ": one " + o.getKind() + " " + o.getMetadata().getName(),
                       ids.add(o.getKind() + "/" + o.getMetadata().getName()), is(true));
        }
        assertThat(components + ": one ConfigMap of settings", Manifests.ofKind(objects, ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().startsWith("rotor-settings-")).count(), is(1L));
        AppSettings app = AppSettings.of(Manifests.podEnvironment(objects));
        Deployment rotor = Manifests.named(objects, Deployment.class, "rotor");

        boolean evict = components.contains("evict");
        assertThat(components + " exit mode", app.exitMode(), is(evict ? ExitMode.EVICT : ExitMode.LIVENESS));
        assertThat(components + " service account", Manifests.ofKind(objects, ServiceAccount.class).isEmpty(), is(!evict));
        assertThat(components + " pod's account", rotor.getSpec().getTemplate().getSpec().getServiceAccountName(),
                   evict ? is("rotor") : nullValue());

        boolean ha = components.contains("redis-ha");
        assertThat(components + " Sentinels", app.redis().sentinel().isPresent(), is(ha));
        assertThat(components + " single Redis URL", app.redis().url().isPresent(), is(!ha));
        assertThat(components + " Redis StatefulSets", Manifests.ofKind(objects, StatefulSet.class).size(), is(ha ? 2 : 0));
        assertThat(components + " the base's Redis Deployment", Manifests.ofKind(objects, Deployment.class).size(), is(ha ? 1 : 2));

        boolean monitoring = components.contains("monitoring");
        Set<String> kinds = new HashSet<>();
        objects.forEach(o -> kinds.add(o.getKind()));
        assertThat(components + " PrometheusRule", kinds.contains("PrometheusRule"), is(monitoring));
        assertThat(components + " ServiceMonitor", kinds.contains("ServiceMonitor"), is(monitoring));

        boolean autoscaling = components.contains("autoscaling");
        assertThat(components + " HPA", Manifests.ofKind(objects, HorizontalPodAutoscaler.class).size(), is(autoscaling ? 1 : 0));
        assertThat(components + ": the HPA alone sets the replica count", rotor.getSpec().getReplicas(),
                   autoscaling ? nullValue() : not(nullValue()));
    }

    /** The documented one-word overlays are the base with one component, nothing more. */
    @Test
    void theOverlaysAreTheBaseWithTheirComponent() {
        for (String name : List.of("evict", "redis-ha")) {
            List<HasMetadata> overlay = Manifests.parse(Manifests.renderKustomize("k8s/overlays/" + name));
            assertThat("k8s/overlays/" + name, overlay, is(Manifests.withComponents(List.of(name))));
        }
        assertThat("k8s/", Manifests.kubernetes(), is(Manifests.withComponents(List.of())));
    }

    /** {@code kubectl apply -k k8s/monitoring/} still gives the monitoring objects alone. */
    @Test
    void monitoringAloneIsTheRuleAndTheServiceMonitor() {
        List<String> kinds = Manifests.parse(Manifests.renderKustomize("k8s/monitoring")).stream()
                .map(HasMetadata::getKind).sorted().toList();
        assertThat(kinds, is(List.of("PrometheusRule", "ServiceMonitor")));
    }

    /** Every component is a Component (an overlay with its own base would clash in a combination). */
    @Test
    void everyComponentIsAKustomizeComponentWithoutTheBase() throws Exception {
        for (String name : COMPONENTS) {
            Map<String, Object> k = Manifests.yamlFile("k8s/components/" + name + "/kustomization.yaml");
            assertThat(name, k.get("kind"), is("Component"));
            @SuppressWarnings("unchecked")
            List<String> resources = (List<String>) k.getOrDefault("resources", List.of());
            resources.forEach(r -> assertThat(name + " includes no other kustomization", r.contains(".."), is(false)));
        }
    }
}
