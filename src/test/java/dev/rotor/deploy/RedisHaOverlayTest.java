package dev.rotor.deploy;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.SentinelConfig;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * {@code k8s/overlays/redis-ha} renders into valid API objects: two Redis servers with a volume
 * each and an append-only file fsynced every second, three Sentinels, headless Services for
 * their stable names, and app settings that the app itself accepts and that point at exactly
 * those Sentinels and the name they monitor.
 */
class RedisHaOverlayTest {
    private final List<HasMetadata> objects = Manifests.parse(Manifests.renderKustomize("k8s/overlays/redis-ha"));

    private String script(String name) {
        return Manifests.named(objects, ConfigMap.class, "rotor-redis-ha-").getData().get(name);
    }

    @Test
    void theBasesSingleRedisGivesWayToAStatefulSetWithAVolumePerServerAndAppendOnlyFiles() {
        assertThat(Manifests.ofKind(objects, Deployment.class).stream().map(d -> d.getMetadata().getName()).toList(),
                   is(List.of("rotor")));
        StatefulSet redis = Manifests.named(objects, StatefulSet.class, "rotor-redis");
        assertThat(redis.getSpec().getReplicas(), is(2));
        var claim = redis.getSpec().getVolumeClaimTemplates().getFirst();
        assertThat(claim.getSpec().getResources().getRequests().get("storage").toString(), is("1Gi"));
        var container = redis.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getVolumeMounts().stream().filter(m -> m.getName().equals(claim.getMetadata().getName()))
                           .findFirst().orElseThrow().getMountPath(), is("/data"));
        String start = script("redis.sh");
        assertThat(start, containsString("--dir /data"));
        assertThat(start, containsString("--appendonly yes --appendfsync everysec"));
        Service nodes = Manifests.named(objects, Service.class, redis.getSpec().getServiceName());
        assertThat("headless: one DNS name per pod", nodes.getSpec().getClusterIP(), is("None"));
        assertThat(nodes.getSpec().getPublishNotReadyAddresses(), is(true));
        assertThat(start, containsString("$(hostname)." + nodes.getMetadata().getName()));
    }

    @Test
    void theAppAsksExactlyTheThreeSentinelsForTheNameTheyMonitor() {
        Map<String, String> settings = Manifests.podEnvironment(objects);
        RedisConfig redis = AppSettings.of(settings).redis();
        assertThat("no single Redis beside the Sentinels", redis.url().isPresent(), is(false));
        SentinelConfig sentinel = redis.sentinel().orElseThrow();

        StatefulSet sentinels = Manifests.named(objects, StatefulSet.class, "rotor-sentinel");
        String service = sentinels.getSpec().getServiceName();
        assertThat(Manifests.named(objects, Service.class, service).getSpec().getClusterIP(), is("None"));
        int port = sentinels.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts().getFirst()
                .getContainerPort();
        List<SentinelConfig.Address> pods = java.util.stream.IntStream.range(0, sentinels.getSpec().getReplicas())
                .mapToObj(i -> new SentinelConfig.Address("rotor-sentinel-" + i + "." + service, port)).toList();
        assertThat(sentinels.getSpec().getReplicas(), is(3));
        assertThat(sentinel.addresses(), is(pods));

        String start = script("sentinel.sh");
        assertThat(start, containsString("sentinel monitor " + sentinel.master() + " $primary 6379 2"));
        assertThat(start, containsString("get-master-addr-by-name " + sentinel.master()));
        assertThat(script("redis.sh"), containsString("get-master-addr-by-name " + sentinel.master()));
        assertThat("pod addresses change: hostnames only", start, containsString("sentinel resolve-hostnames yes"));
        assertThat(start, containsString("sentinel announce-hostnames yes"));
    }

    @Test
    void onlyRotorTheSentinelsAndTheOtherServerReachRedis() {
        List<String> policies = Manifests.ofKind(objects, NetworkPolicy.class).stream()
                .map(p -> p.getMetadata().getName()).toList();
        assertThat(policies, hasItem("rotor-redis-ha"));
        assertThat(policies, hasItem("rotor-sentinel"));
        assertThat("the base's policy for the single Redis is gone", policies, not(hasItem("rotor-redis")));
        NetworkPolicy sentinel = Manifests.named(objects, NetworkPolicy.class, "rotor-sentinel");
        assertThat(sentinel.getSpec().getIngress().getFirst().getFrom().stream()
                           .map(f -> f.getPodSelector().getMatchLabels().get("app.kubernetes.io/name")).toList(),
                   hasItem("rotor"));
    }

    @Test
    void theStartScriptsAreValidShell() throws Exception {
        Tools.assumeOnPath("sh", "sh -n checks the start scripts' syntax");
        for (String name : List.of("redis.sh", "sentinel.sh")) {
            var file = Files.createTempFile("rotor-" + name, "");
            try {
                Files.writeString(file, script(name));
                List<String> command = List.of("sh", "-n", file.toString());
                Tools.run(Manifests.ROOT, command).assertSucceeded(command);
            } finally {
                Files.delete(file);
            }
        }
    }
}
