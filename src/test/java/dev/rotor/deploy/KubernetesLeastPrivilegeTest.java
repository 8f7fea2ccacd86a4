package dev.rotor.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * What the rendered manifests allow, in every combination of components: the eviction Role as
 * narrow as RBAC goes, Redis behind a password from a Secret for Redis and the replicas alike,
 * and every image at an exact version.
 */
class KubernetesLeastPrivilegeTest {
    /** An exact version (1.2.3, v1.2.3, 25.0.3_9-jre) or a digest: never a moving tag such as redis:7. */
    static final Pattern PINNED = Pattern.compile(".+(:v?\\d+\\.\\d+\\.\\d+[^:/@]*|@sha256:[0-9a-f]{64})$");

    @Test
    void theEvictionRoleGrantsOneVerbOnOneSubresourceToRotorsOwnAccountOnly() {
        List<HasMetadata> objects = Manifests.withComponents(List.of("evict"));
        Role role = Manifests.named(objects, Role.class, "rotor-self-evict");
        assertThat(role.getRules().size(), is(1));
        PolicyRule rule = role.getRules().getFirst();
        assertThat(rule.getApiGroups(), is(List.of("")));
        assertThat(rule.getResources(), is(List.of("pods/eviction")));
        assertThat(rule.getVerbs(), is(List.of("create")));
        assertThat("RBAC cannot name a Deployment's generated pods (docs/deploying.md, Least privilege)",
                   rule.getResourceNames() == null || rule.getResourceNames().isEmpty(), is(true));
        RoleBinding binding = Manifests.named(objects, RoleBinding.class, "rotor-self-evict");
        assertThat(binding.getSubjects().size(), is(1));
        assertThat(binding.getSubjects().getFirst().getKind(), is("ServiceAccount"));
        assertThat(binding.getSubjects().getFirst().getName(), is("rotor"));
        assertThat("a namespaced Role, bound in the namespace only", binding.getRoleRef().getKind(), is("Role"));
        assertThat("only the evict component mounts a token", Manifests.ofKind(Manifests.kubernetes(), Role.class), is(empty()));
    }

    @Test
    void redisAndTheReplicasTakeThePasswordFromOneSecretInEveryCombination() {
        KubernetesCombinationsTest.combinations().forEach(components -> {
            List<HasMetadata> objects = Manifests.withComponents(components);
            Secret secret = Manifests.named(objects, Secret.class, "rotor-redis-");
            assertThat(components + " Secret has the password", secret.getData().containsKey("password")
                    || secret.getStringData() != null && secret.getStringData().containsKey("password"), is(true));
            List<PodSpec> redisPods = new ArrayList<>();
            Manifests.ofKind(objects, StatefulSet.class).forEach(s -> redisPods.add(s.getSpec().getTemplate().getSpec()));
            Manifests.ofKind(objects, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("rotor-redis"))
                    .forEach(d -> redisPods.add(d.getSpec().getTemplate().getSpec()));
            assertThat(components + " has Redis", redisPods, is(not(empty())));
            for (PodSpec pod : redisPods) {
                for (Container c : pod.getContainers()) {
                    assertPasswordFrom(components + " " + c.getName(), c, secret.getMetadata().getName());
                }
            }
            Container rotor = Manifests.named(objects, Deployment.class, "rotor").getSpec().getTemplate().getSpec()
                    .getContainers().getFirst();
            assertPasswordFrom(components + " rotor", rotor, secret.getMetadata().getName());
            Map<String, String> settings = Manifests.named(objects, io.fabric8.kubernetes.api.model.ConfigMap.class,
                                                           "rotor-settings-").getData();
            assertThat(components + " the replicas sign in as the ACL user", settings.get("REDIS_USER"), is("rotor"));
        });
    }

    @Test
    void everyImageIsAnExactVersionInEveryCombination() {
        KubernetesCombinationsTest.combinations().forEach(components -> {
            List<HasMetadata> objects = Manifests.withComponents(components);
            List<Container> containers = new ArrayList<>();
            Manifests.ofKind(objects, Deployment.class).forEach(d -> containers.addAll(d.getSpec().getTemplate().getSpec().getContainers()));
            Manifests.ofKind(objects, StatefulSet.class).forEach(s -> containers.addAll(s.getSpec().getTemplate().getSpec().getContainers()));
            for (Container c : containers) {
                if (c.getName().equals("rotor")) {
                    // the user's own image, set once in k8s/base/kustomization.yaml (newTag, digest)
                    assertThat(c.getImage(), startsWith("rotor:"));
                    continue;
                }
                assertThat(components + " " + c.getName() + " " + c.getImage(), PINNED.matcher(c.getImage()).matches(), is(true));
            }
        });
    }

    private static void assertPasswordFrom(String what, Container c, String secretName) {
        EnvVar password = c.getEnv().stream().filter(e -> e.getName().equals("REDIS_PASSWORD")).findFirst()
                .orElseThrow(() -> new AssertionError(what + " has no REDIS_PASSWORD"));
        assertThat(what + " never a literal", password.getValue(), is((String) null));
        assertThat(what, password.getValueFrom().getSecretKeyRef().getName(), is(secretName));
        assertThat(what, password.getValueFrom().getSecretKeyRef().getKey(), is("password"));
        assertThat(what + " the Secret is required", password.getValueFrom().getSecretKeyRef().getOptional(),
                   not(is(Boolean.TRUE)));
    }
}
