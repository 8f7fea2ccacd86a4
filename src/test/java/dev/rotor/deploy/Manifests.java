package dev.rotor.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The project's deployment files, read the way their tools read them: {@code k8s/} rendered by
 * {@code kubectl kustomize} and parsed into the Kubernetes API types, {@code render.yaml} and
 * {@code docker-compose.yml} as YAML. Tests run from the project folder (Maven's basedir).
 */
final class Manifests {
    /** The project folder. */
    static final Path ROOT = Path.of("").toAbsolutePath();

    /** Kind -> API type; a kind k8s/ starts using must be added here to be checked. */
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.ofEntries(
            Map.entry("Deployment", Deployment.class),
            Map.entry("StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
            Map.entry("Service", Service.class),
            Map.entry("ConfigMap", ConfigMap.class),
            Map.entry("Secret", Secret.class),
            Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("NetworkPolicy", NetworkPolicy.class),
            Map.entry("ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
            Map.entry("Role", io.fabric8.kubernetes.api.model.rbac.Role.class),
            Map.entry("RoleBinding", io.fabric8.kubernetes.api.model.rbac.RoleBinding.class),
            Map.entry("HorizontalPodAutoscaler", io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class));

    /**
     * API groups of custom resources (the Prometheus Operator's) that k8s/ may render: fabric8
     * has no typed model for them here, so they are read as generic objects with their
     * apiVersion, kind and metadata checked.
     */
    private static final Set<String> CUSTOM_GROUPS = Set.of("monitoring.coreos.com");

    /**
     * Strict mapping: fabric8's types accept any unknown field into an "additional properties"
     * map (an any-setter), which would let a misspelt field through. With any-setters ignored,
     * FAIL_ON_UNKNOWN_PROPERTIES rejects every field the API type does not have.
     */
    static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }
            });

    private Manifests() {
    }

    /** @return {@code kubectl kustomize k8s/} output; the test is skipped (with why) without kubectl */
    static String renderKustomize() {
        return renderKustomize("k8s");
    }

    /**
     * @param dir a kustomization folder under the repository, e.g. {@code k8s/overlays/evict}
     * @return its rendered output
     */
    static String renderKustomize(String dir) {
        return renderKustomize(ROOT.resolve(dir));
    }

    /**
     * @param dir a kustomization folder anywhere (e.g. an edited copy of {@code k8s/})
     * @return its rendered output
     */
    static String renderKustomize(Path dir) {
        assumeTrue(onPath("kubectl"), "kubectl is not on PATH: the k8s/ checks are skipped (install kubectl 1.27+ to run them)");
        try {
            Path out = Files.createTempFile("rotor-kustomize", ".yaml");
            try {
                Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
                }
                String text = Files.readString(out, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new AssertionError("kubectl kustomize " + dir + " failed (" + p.exitValue() + "):\n" + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kubectl kustomize", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * @param yaml one or more YAML documents
     * @return each document as its typed Kubernetes object
     * @throws IllegalArgumentException when a field is unknown to the API type, or a kind is unlisted
     */
    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (Object doc : yaml().loadAll(yaml)) {
            if (doc == null) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) doc;
            String kind = String.valueOf(map.get("kind"));
            Class<? extends HasMetadata> type = TYPES.get(kind);
            String group = String.valueOf(map.get("apiVersion")).split("/")[0];
            if (type == null && CUSTOM_GROUPS.contains(group)) {
                // its spec goes into the generic object's additional properties (no schema here)
                objects.add(new ObjectMapper().convertValue(map, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class));
                continue;
            }
            if (type == null) {
                throw new IllegalArgumentException("kind " + kind + " has no API type in Manifests.TYPES");
            }
            objects.add(STRICT.convertValue(map, type));
        }
        return objects;
    }

    /**
     * Renders {@code k8s/base} with the given components, as a user's own kustomization would
     * list them, from a temporary folder (kustomize takes relative paths only).
     *
     * @param components folder names under {@code k8s/components}
     * @return the rendered objects, typed
     */
    static List<HasMetadata> withComponents(List<String> components) {
        try {
            Path dir = Files.createTempDirectory("rotor-kustomization");
            try {
                String up = dir.relativize(ROOT).toString();
                StringBuilder k = new StringBuilder("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                                            + "resources:\n  - " + up + "/k8s/base\ncomponents:\n");
                components.forEach(c -> k.append("  - ").append(up).append("/k8s/components/").append(c).append('\n'));
                if (components.isEmpty()) {
                    k.append("  []\n");
                }
                Files.writeString(dir.resolve("kustomization.yaml"), k.toString().replace("components:\n  []", "components: []"));
                return parse(renderKustomize(dir));
            } finally {
                Files.deleteIfExists(dir.resolve("kustomization.yaml"));
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot write a kustomization", e);
        }
    }

    /**
     * The rotor container's environment as the kubelet builds it: the settings ConfigMap, then
     * its own env (literals, and keys of the rendered Secrets it references), which win.
     *
     * @param objects rendered objects
     * @return variable -> value
     */
    static Map<String, String> podEnvironment(List<HasMetadata> objects) {
        Map<String, String> env = new java.util.HashMap<>(named(objects, ConfigMap.class, "rotor-settings-").getData());
        for (io.fabric8.kubernetes.api.model.EnvVar e : named(objects, Deployment.class, "rotor").getSpec().getTemplate()
                .getSpec().getContainers().getFirst().getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            } else if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                Secret secret = named(objects, Secret.class, ref.getName());
                String value = secret.getData() != null && secret.getData().containsKey(ref.getKey())
                        ? new String(java.util.Base64.getDecoder().decode(secret.getData().get(ref.getKey())), StandardCharsets.UTF_8)
                        : secret.getStringData().get(ref.getKey());
                env.put(e.getName(), value);
            }
        }
        return env;
    }

    /** @return the rendered k8s/ objects, typed */
    static List<HasMetadata> kubernetes() {
        return parse(renderKustomize());
    }

    static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** @param name exact name, or a prefix ending in "-" for generated names (configMapGenerator) */
    static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String name) {
        return ofKind(objects, type).stream()
                .filter(o -> name.endsWith("-") ? o.getMetadata().getName().startsWith(name) : o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }

    /** @return a project file as plain YAML maps and lists */
    @SuppressWarnings("unchecked")
    static Map<String, Object> yamlFile(String relative) throws IOException {
        return (Map<String, Object>) yaml().load(Files.readString(ROOT.resolve(relative)));
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Environment variables the deployment files may set besides {@code EnvOverrides.KEYS}.
     */
    static final Set<String> PENDING_APP_VARIABLES = Set.of(
            // Issue 3 (admission: shared rate limiter, trusted proxies) adds these to the app;
            // the deployment files set them already and the app ignores them until then.
            // Remove each from here once EnvOverrides.KEYS lists it.
            "REDIS_URL",
            "ROTOR_TRUSTED_PROXIES");

    /** Read by the image's entrypoint (deploy/image/rotor), not by the app. */
    static final Set<String> IMAGE_VARIABLES = Set.of("JAVA_OPTS", "JAVA_AOT_CACHE", "ROTOR_JIT", "ROTOR_RESPAWN", "WORKERS",
                                                      "ROTOR_WORKERS");
}
