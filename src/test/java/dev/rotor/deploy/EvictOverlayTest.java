package dev.rotor.deploy;

import java.util.List;
import java.util.Map;

import dev.rotor.config.EnvOverrides;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * {@code k8s/overlays/evict} renders into valid API objects, grants the pod exactly what
 * self-eviction needs, and gives the app every setting evict mode requires.
 */
class EvictOverlayTest {
    private final List<HasMetadata> objects = Manifests.parse(Manifests.renderKustomize("k8s/overlays/evict"));

    @Test
    void roleAllowsOnlyCreatingEvictions() {
        Role role = Manifests.named(objects, Role.class, "rotor-self-evict");
        List<String> grants = role.getRules().stream()
                .flatMap((PolicyRule r) -> r.getResources().stream()
                        .flatMap(res -> r.getVerbs().stream().map(v -> String.join(",", r.getApiGroups()) + "/" + res + ":" + v)))
                .toList();
        // Rotor only POSTs an Eviction for its own pod (name and namespace from the downward API)
        assertThat(grants, containsInAnyOrder("/pods/eviction:create"));
        RoleBinding binding = Manifests.named(objects, RoleBinding.class, "rotor-self-evict");
        assertThat(binding.getRoleRef().getName(), is("rotor-self-evict"));
        assertThat(binding.getSubjects().getFirst().getName(), is("rotor"));
        assertThat(Manifests.named(objects, ServiceAccount.class, "rotor").getMetadata().getName(), is("rotor"));
    }

    @Test
    void podRunsAsTheServiceAccountWithItsTokenAndKnowsItsNameAndNamespace() {
        Deployment d = Manifests.named(objects, Deployment.class, "rotor");
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName(), is("rotor"));
        assertThat(pod.getAutomountServiceAccountToken(), is(true));
        List<EnvVar> env = pod.getContainers().getFirst().getEnv();
        Map<String, String> fields = new java.util.HashMap<>();
        env.stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
                .forEach(e -> fields.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath()));
        assertThat(fields.get("POD_NAME"), is("metadata.name"));
        assertThat(fields.get("POD_NAMESPACE"), is("metadata.namespace"));
        assertThat(EnvOverrides.KEYS.keySet(), hasItem("POD_NAME"));
        assertThat(EnvOverrides.KEYS.keySet(), hasItem("POD_NAMESPACE"));
    }

    @Test
    void settingsSwitchToEvictMode() {
        ConfigMap settings = Manifests.named(objects, ConfigMap.class, "rotor-settings-");
        assertThat(settings.getData().get("ROTOR_EXIT_MODE"), is("evict"));
        assertThat(settings.getData().get("ROTOR_MIN_LIFETIME"), is("PT0S"));
        assertThat(Manifests.ofKind(objects, ConfigMap.class).stream().map(c -> c.getMetadata().getName()).toList().size(),
                   is(1));
        assertThat(List.of(settings.getData().get("ROTOR_DRAIN_PERIOD")), contains("PT15S"));
    }
}
