import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

/**
 * Reads what the kubelet supervisor needs from the rendered {@code k8s/} manifests: the
 * liveness probe's period, failure threshold and timeout, the preStop pause and the
 * termination grace period of the rotor Deployment. Defaults when there is no k8s/.
 */
final class Manifests {
    private Manifests() {
    }

    @SuppressWarnings("unchecked")
    static Supervisors.KubeletSpec kubeletSpec() throws Exception {
        if (!Files.exists(Path.of("k8s/kustomization.yaml"))) {
            Harness.log("no k8s/kustomization.yaml: kubelet supervisor uses default probe timings");
            return Supervisors.KubeletSpec.defaults();
        }
        Process p = new ProcessBuilder("kubectl", "kustomize", "k8s/").redirectErrorStream(true).start();
        String rendered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kubectl kustomize k8s/ failed:\n" + rendered);
        }
        for (Object doc : new Yaml().loadAll(rendered)) {
            Map<String, Object> m = (Map<String, Object>) doc;
            if (m == null || !"Deployment".equals(m.get("kind"))) {
                continue;
            }
            Map<String, Object> podSpec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) m.get("spec"))
                    .get("template")).get("spec");
            for (Map<String, Object> c : (List<Map<String, Object>>) podSpec.get("containers")) {
                Map<String, Object> live = (Map<String, Object>) c.get("livenessProbe");
                if (live == null) {
                    continue;
                }
                int preStop = 0;
                Map<String, Object> lifecycle = (Map<String, Object>) c.get("lifecycle");
                if (lifecycle != null && lifecycle.get("preStop") instanceof Map<?, ?> pre) {
                    if (pre.get("sleep") instanceof Map<?, ?> sleep) {
                        preStop = ((Number) sleep.get("seconds")).intValue();
                    } else if (pre.get("exec") instanceof Map<?, ?> exec) {
                        for (Object word : (List<Object>) exec.get("command")) {
                            if (String.valueOf(word).matches(".*sleep \\d+.*|\\d+")) {
                                preStop = Integer.parseInt(String.valueOf(word).replaceAll(".*?(\\d+).*", "$1"));
                            }
                        }
                    }
                }
                Supervisors.KubeletSpec spec = new Supervisors.KubeletSpec(
                        intOr(live, "periodSeconds", 10), intOr(live, "failureThreshold", 3),
                        intOr(live, "timeoutSeconds", 1), preStop, intOr(podSpec, "terminationGracePeriodSeconds", 30));
                Harness.log("kubelet timings from k8s/ (Deployment " + ((Map<String, Object>) m.get("metadata")).get("name")
                                  + "): " + spec);
                return spec;
            }
        }
        Harness.log("k8s/ renders no Deployment with a liveness probe: default probe timings");
        return Supervisors.KubeletSpec.defaults();
    }

    private static int intOr(Map<String, Object> m, String key, int fallback) {
        return m.get(key) instanceof Number n ? n.intValue() : fallback;
    }
}
