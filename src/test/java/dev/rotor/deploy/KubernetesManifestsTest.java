package dev.rotor.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code kubectl kustomize k8s/} renders into valid Kubernetes API objects, and the pod is
 * locked down, spread and sized the way the README promises.
 */
class KubernetesManifestsTest {
    /** The Secret example: outside base/, and not a .yaml file that kubectl apply -R would take. */
    static final String SECRET_EXAMPLE = "k8s/examples/rotor-secrets.yaml.example";

    private static List<HasMetadata> objects;

    @BeforeAll
    static void render() {
        objects = Manifests.kubernetes();
    }

    @Test
    void rendersEveryPartIntoItsApiType() {
        Manifests.named(objects, Deployment.class, "rotor");
        Manifests.named(objects, Deployment.class, "rotor-redis");
        Manifests.named(objects, Service.class, "rotor");
        Manifests.named(objects, Service.class, "rotor-redis");
        Manifests.named(objects, ConfigMap.class, "rotor-settings-");
        Manifests.named(objects, PodDisruptionBudget.class, "rotor");
        Manifests.named(objects, NetworkPolicy.class, "rotor-redis");
        Manifests.named(objects, NetworkPolicy.class, "rotor-admin");
    }

    @Test
    void rejectsFieldsTheApiDoesNotKnow() {
        // the same mapper that read k8s/: a misspelt field must fail, not vanish
        IllegalArgumentException topLevel = assertThrows(IllegalArgumentException.class, () -> Manifests.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec: {replica: 2}
                """));
        assertThat(topLevel.getMessage(), containsString("replica"));
        IllegalArgumentException nested = assertThrows(IllegalArgumentException.class, () -> Manifests.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      containers:
                        - name: c
                          livenesProbe: {periodSeconds: 3}
                """));
        assertThat(nested.getMessage(), containsString("livenesProbe"));
    }

    @Test
    void podRunsLockedDown() {
        PodSpec pod = rotorPod();
        assertThat(pod.getSecurityContext().getRunAsNonRoot(), is(true));
        assertThat(pod.getSecurityContext().getRunAsUser(), greaterThan(0L));
        assertThat(pod.getSecurityContext().getSeccompProfile().getType(), is("RuntimeDefault"));
        assertThat(pod.getAutomountServiceAccountToken(), is(false));
        Container c = rotorContainer();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation(), is(false));
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem(), is(true));
        assertThat(c.getSecurityContext().getCapabilities().getDrop(), is(List.of("ALL")));
        // a read-only root needs a writable /tmp (JVM perf data, temporary files)
        String tmpVolume = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
                .findFirst().orElseThrow(() -> new AssertionError("no /tmp mount")).getName();
        assertThat(pod.getVolumes().stream().filter(v -> v.getName().equals(tmpVolume))
                           .findFirst().orElseThrow().getEmptyDir(), not(is((Object) null)));
    }

    @Test
    void replicasSpreadAndDisruptionsTakeOneAtATime() {
        Deployment d = Manifests.named(objects, Deployment.class, "rotor");
        assertThat(d.getSpec().getReplicas(), greaterThanOrEqualTo(2));
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints(), not(empty()));
        d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints().forEach(t -> assertSelects(
                t.getLabelSelector().getMatchLabels(), podLabels));
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(), is(0));

        PodDisruptionBudget pdb = Manifests.named(objects, PodDisruptionBudget.class, "rotor");
        assertSelects(pdb.getSpec().getSelector().getMatchLabels(), podLabels);
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal(), lessThan(d.getSpec().getReplicas()));
    }

    @Test
    void onlyTheAppReachesRedis() {
        NetworkPolicy policy = Manifests.named(objects, NetworkPolicy.class, "rotor-redis");
        Deployment redis = Manifests.named(objects, Deployment.class, "rotor-redis");
        Deployment app = Manifests.named(objects, Deployment.class, "rotor");
        assertSelects(policy.getSpec().getPodSelector().getMatchLabels(), redis.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(policy.getSpec().getPolicyTypes(), is(List.of("Ingress")));
        assertThat(policy.getSpec().getIngress().size(), is(1));
        var rule = policy.getSpec().getIngress().getFirst();
        assertThat(rule.getFrom().size(), is(1));
        assertThat("only pods, no namespaces or IP blocks", rule.getFrom().getFirst().getNamespaceSelector(), is((Object) null));
        assertSelects(rule.getFrom().getFirst().getPodSelector().getMatchLabels(), app.getSpec().getTemplate().getMetadata().getLabels());
        assertThat("the rule must not also admit Redis itself or other apps",
                   rule.getFrom().getFirst().getPodSelector().getMatchLabels().entrySet().stream()
                           .anyMatch(e -> !e.getValue().equals(redis.getSpec().getTemplate().getMetadata().getLabels().get(e.getKey()))),
                   is(true));
        assertThat(rule.getPorts().getFirst().getPort().getIntVal(), is(6379));
    }

    @Test
    void theAdminPortOpensOnlyToPrometheusWhileHttpStaysOpen() {
        NetworkPolicy policy = Manifests.named(objects, NetworkPolicy.class, "rotor-admin");
        Deployment app = Manifests.named(objects, Deployment.class, "rotor");
        assertSelects(policy.getSpec().getPodSelector().getMatchLabels(), app.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(policy.getSpec().getPolicyTypes(), is(List.of("Ingress")));
        var ports = rotorContainer().getPorts();
        List<String> named = ports.stream().map(p -> p.getName()).toList();
        assertThat("the pod names both ports the policy refers to", named.containsAll(List.of("http", "admin")), is(true));
        var rules = policy.getSpec().getIngress();
        assertThat(rules.size(), is(2));
        for (var rule : rules) {
            assertThat("one port per rule", rule.getPorts().size(), is(1));
            String port = rule.getPorts().getFirst().getPort().getStrVal();
            boolean open = rule.getFrom() == null || rule.getFrom().isEmpty();
            switch (port) {
                case "http" -> assertThat("http admits every source (ingress controllers, probes)", open, is(true));
                case "admin" -> {
                    assertThat("admin admits a selected source only", open, is(false));
                    assertThat(rule.getFrom().size(), is(1));
                    var from = rule.getFrom().getFirst();
                    assertThat("no IP blocks", from.getIpBlock(), is((Object) null));
                    assertThat("no pod selector that would widen it", from.getPodSelector(), is((Object) null));
                    assertThat(from.getNamespaceSelector().getMatchLabels(),
                               is(Map.of("kubernetes.io/metadata.name", "monitoring")));
                }
                default -> throw new AssertionError("a rule for an unexpected port: " + port);
            }
        }
    }

    @Test
    void jvmFitsTheMemoryLimit() throws Exception {
        Container c = rotorContainer();
        Quantity limit = c.getResources().getLimits().get("memory");
        assertThat("memory request equals the limit (no eviction first under node pressure)",
                   c.getResources().getRequests().get("memory"), is(limit));
        Matcher m = Pattern.compile("MaxRAMPercentage=(\\d+)")
                .matcher(Files.readString(Manifests.ROOT.resolve("deploy/image/heap.sh")));
        assertThat("the entrypoint sizes the heap from the container limit", m.find(), is(true));
        double limitMiB = Quantity.getAmountInBytes(limit).doubleValue() / (1 << 20);
        double heapMiB = limitMiB * Integer.parseInt(m.group(1)) / 100;
        // measured: idle RSS ~85-125 MiB, of which the heap is a small part; off-heap (metaspace,
        // code cache, thread stacks) needs ~150 MiB beside a full heap
        assertThat("heap MiB", heapMiB, greaterThanOrEqualTo(128.0));
        assertThat("MiB left beside the heap", limitMiB - heapMiB, greaterThanOrEqualTo(150.0));
    }

    @Test
    void secretIsAnExampleNeverApplied() throws Exception {
        // the one Secret applied is generated: Redis's password (k8s/base/kustomization.yaml)
        assertThat("kustomization must not apply example secrets", Manifests.ofKind(objects, Secret.class).stream()
                .map(s -> s.getMetadata().getName()).filter(n -> !n.startsWith("rotor-redis-")).toList(), is(empty()));
        var refs = rotorContainer().getEnvFrom().stream().filter(e -> e.getSecretRef() != null).toList();
        assertThat(refs.size(), is(1));
        assertThat("pods start without the secret", refs.getFirst().getSecretRef().getOptional(), is(true));
        Secret example = (Secret) Manifests.parse(Files.readString(Manifests.ROOT.resolve(SECRET_EXAMPLE))).getFirst();
        assertThat(example.getMetadata().getName(), is(refs.getFirst().getSecretRef().getName()));
        assertThat("the chat key is what most users put there", example.getStringData().containsKey("TOGETHER_API_KEY"), is(true));
        example.getStringData().forEach((key, value) -> assertThat("placeholder only", value, containsString("change-me")));
    }

    /**
     * {@code kubectl apply -R -f k8s/} takes every .yaml, .yml and .json file below k8s/: none
     * of them may be a Secret (a placeholder would replace the real one).
     */
    @Test
    void applyRecursiveNeverPicksUpASecret() throws Exception {
        List<Path> picked;
        try (var files = Files.walk(Manifests.ROOT.resolve("k8s"))) {
            picked = files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().matches(".*\\.(yaml|yml|json)")).toList();
        }
        assertThat(picked, not(empty()));
        Pattern secretKind = Pattern.compile("(?m)^kind:\\s*Secret\\s*$");
        for (Path f : picked) {
            assertThat(Manifests.ROOT.relativize(f) + " is a Secret that kubectl apply -R would apply",
                       secretKind.matcher(Files.readString(f)).find(), is(false));
        }
        assertThat(SECRET_EXAMPLE + " must not look like a manifest to kubectl -R",
                   SECRET_EXAMPLE.matches(".*\\.(yaml|yml|json)"), is(false));
    }

    /**
     * The image is set in one place that every kustomization inherits: the one-line edit the
     * deploying docs show (no kustomize binary), applied to a copy of k8s/, changes the image of
     * k8s/ and of the evict overlay alike.
     */
    @Test
    void theDocumentedImageEditReachesTheBaseAndTheEvictOverlay(@TempDir Path tmp) throws Exception {
        String docs = Files.readString(Manifests.ROOT.resolve("docs/deploying.md"));
        assertThat("the docs need no kustomize binary", docs, not(containsString("kustomize edit")));
        Matcher sed = Pattern.compile("(?m)^sed -i '(s\\|[^']*)' k8s/base/kustomization\\.yaml$").matcher(docs);
        assertThat("docs/deploying.md shows the one-line image edit of k8s/base/kustomization.yaml", sed.find(), is(true));
        Path copy = tmp.resolve("k8s");
        try (var files = Files.walk(Manifests.ROOT.resolve("k8s"))) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(Manifests.ROOT.resolve("k8s").relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Tools.assumeOnPath("sed", "the docs' image edit is a sed line");
        List<String> command = List.of("sed", "-i", sed.group(1), "k8s/base/kustomization.yaml");
        Tools.run(tmp, command).assertSucceeded(command);
        String image = null;
        for (String dir : List.of("", "overlays/evict", "overlays/redis-ha")) {
            Deployment d = Manifests.named(Manifests.parse(Manifests.renderKustomize(copy.resolve(dir))), Deployment.class, "rotor");
            String rendered = d.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
            assertThat("k8s/" + dir + " deploys the edited image", rendered, not(is("rotor:local")));
            if (image != null) {
                assertThat("k8s/" + dir, rendered, is(image));
            }
            image = rendered;
        }
        // and only the base sets it: an overlay with its own images: would not follow the edit
        List<String> kustomizations = new java.util.ArrayList<>(List.of(
                "k8s/kustomization.yaml", "k8s/overlays/evict/kustomization.yaml",
                "k8s/overlays/redis-ha/kustomization.yaml", "k8s/monitoring/kustomization.yaml"));
        KubernetesCombinationsTest.COMPONENTS.forEach(c -> kustomizations.add("k8s/components/" + c + "/kustomization.yaml"));
        for (String kustomization : kustomizations) {
            assertThat(kustomization, Manifests.yamlFile(kustomization).containsKey("images"), is(false));
        }
    }

    @Test
    void accessLogIsOnAndEveryLineIsJsonForTheClustersLogPipeline() {
        AppSettings app = AppSettings.of(Manifests.podEnvironment(objects));
        assertThat(app.logging().accessLog(), is(true));
        assertThat(app.logging().format(), is(dev.rotor.logging.LogFormat.JSON));
    }

    @Test
    void rateLimitingIsOnBehindTheClusterNetworks() throws Exception {
        Map<String, String> settings = Manifests.podEnvironment(objects);
        AppSettings app = AppSettings.of(settings);
        assertThat(app.admission().rateLimit().orElseThrow().limit(), is(600L));
        assertThat(app.admission().rateLimit().orElseThrow().window(), is(java.time.Duration.ofMinutes(1)));
        // common pod CIDRs: kubeadm/flannel 10.244/16, Calico 192.168/16, EKS VPCs in 172.16/12,
        // CGNAT ranges some CNIs use; an ingress controller's pod sits in one of them
        for (String ingressPod : List.of("10.244.1.7", "192.168.3.4", "172.20.9.1", "100.64.2.3")) {
            assertThat(ingressPod, app.admission().trustedProxies().trusts(java.net.InetAddress.getByName(ingressPod)), is(true));
        }
        assertThat(app.admission().trustedProxies().trusts(java.net.InetAddress.getByName("203.0.113.7")), is(false));
    }

    private static void assertSelects(Map<String, String> selector, Map<String, String> labels) {
        assertThat("selector " + selector + " matches labels " + labels, labels.entrySet().containsAll(selector.entrySet()), is(true));
        assertThat(selector.isEmpty(), is(false));
    }

    static PodSpec rotorPod() {
        return Manifests.named(objects, Deployment.class, "rotor").getSpec().getTemplate().getSpec();
    }

    static Container rotorContainer() {
        return rotorPod().getContainers().stream().filter(c -> c.getName().equals("rotor")).findFirst().orElseThrow();
    }
}
