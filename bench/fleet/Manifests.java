import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

/**
 * Reads what the kubelet supervisor needs from the rendered {@code k8s/} manifests: the
 * liveness probe's period, failure threshold and timeout, the preStop pause and the
 * termination grace period of the rotor Deployment (defaults when there is no k8s/); and for
 * the Service stand-in, the base's replicas, readiness probe and settings.
 */
final class Manifests {
    private Manifests() {
    }

    /**
     * What the Service stand-in and the replicas take from the base: the Deployment's replica
     * count, its readiness probe (the endpoints follow it) and the ConfigMap of settings.
     */
    record Base(int replicas, int readinessPeriod, int readinessFailures, int readinessSuccesses,
                Map<String, String> settings) {
    }

    /** @param kustomization the folder to render, e.g. {@code k8s/} or {@code k8s/overlays/evict} */
    @SuppressWarnings("unchecked")
    static Base base(String kustomization) throws Exception {
        int replicas = 0;
        Map<String, Object> readiness = null;
        Map<String, String> settings = null;
        for (Object doc : new Yaml().loadAll(render(kustomization))) {
            Map<String, Object> m = (Map<String, Object>) doc;
            if (m == null) {
                continue;
            }
            String name = String.valueOf(((Map<String, Object>) m.get("metadata")).get("name"));
            if ("Deployment".equals(m.get("kind")) && name.equals("rotor")) {
                Map<String, Object> spec = (Map<String, Object>) m.get("spec");
                replicas = intOr(spec, "replicas", 1);
                Map<String, Object> podSpec = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
                for (Map<String, Object> c : (List<Map<String, Object>>) podSpec.get("containers")) {
                    if ("rotor".equals(c.get("name"))) {
                        readiness = (Map<String, Object>) c.get("readinessProbe");
                    }
                }
            } else if ("ConfigMap".equals(m.get("kind")) && name.startsWith("rotor-settings-")) {
                settings = new java.util.HashMap<>();
                for (var e : ((Map<String, Object>) m.get("data")).entrySet()) {
                    settings.put(e.getKey(), String.valueOf(e.getValue()));
                }
            }
        }
        if (readiness == null || settings == null) {
            throw new IllegalStateException("k8s/ renders no rotor Deployment with a readiness probe, or no rotor-settings");
        }
        Base base = new Base(replicas, intOr(readiness, "periodSeconds", 10), intOr(readiness, "failureThreshold", 3),
                             intOr(readiness, "successThreshold", 1), settings);
        Harness.log(kustomization + ": " + replicas + " replicas, readiness every " + base.readinessPeriod() + " s, "
                            + base.readinessFailures() + " failures, " + settings.size() + " settings");
        return base;
    }

    private static String render(String kustomization) throws Exception {
        Process p = new ProcessBuilder("kubectl", "kustomize", kustomization).redirectErrorStream(true).start();
        String rendered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kubectl kustomize " + kustomization + " failed:\n" + rendered);
        }
        return rendered;
    }

    @SuppressWarnings("unchecked")
    static Supervisors.KubeletSpec kubeletSpec() throws Exception {
        if (!Files.exists(Path.of("k8s/kustomization.yaml"))) {
            Harness.log("no k8s/kustomization.yaml: kubelet supervisor uses default probe timings");
            return Supervisors.KubeletSpec.defaults();
        }
        for (Object doc : new Yaml().loadAll(render("k8s/"))) {
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
                Map<String, Object> startup = c.get("startupProbe") instanceof Map<?, ?> m2
                        ? (Map<String, Object>) m2 : Map.of();
                Supervisors.KubeletSpec spec = new Supervisors.KubeletSpec(
                        intOr(live, "periodSeconds", 10), intOr(live, "failureThreshold", 3),
                        intOr(live, "timeoutSeconds", 1), preStop, intOr(podSpec, "terminationGracePeriodSeconds", 30),
                        intOr(startup, "periodSeconds", 10), intOr(startup, "failureThreshold", 3));
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
