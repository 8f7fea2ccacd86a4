package dev.rotor.lifecycle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

class MemoryTriggersTest {
    private static final ReplicaView VIEW = new ReplicaView(7, 0, java.time.Duration.ofMinutes(1), 0);
    private final AtomicLong nanos = new AtomicLong();

    @Test
    void heapTriggerNeedsCollectionsInARowAboveTheBound() {
        HeapPressure heap = new HeapPressure(0.8, 3);
        heap.onCollection(90, 100);
        heap.onCollection(90, 100);
        assertThat(heap.decide(VIEW).due(), is(false));
        heap.onCollection(50, 100); // a collection that freed memory resets the streak
        heap.onCollection(85, 100);
        heap.onCollection(85, 100);
        assertThat(heap.decide(VIEW).due(), is(false));
        heap.onCollection(85, 100);
        assertThat(heap.lastRatio(), closeTo(0.85, 0.001));
        assertThat("three in a row above the bound", heap.decide(VIEW).due(), is(true));
        assertThat(heap.decide(VIEW).reached(), is(85L));
        assertThat(heap.emergency(), is(true));
    }

    @Test
    void recognisesOldGenerationPoolsOfEveryCollector() {
        for (String pool : new String[] {"Tenured Gen", "PS Old Gen", "G1 Old Gen", "ZGC Old Generation"}) {
            assertThat(pool, HeapPressure.isOldGeneration(pool), is(true));
        }
        assertThat(HeapPressure.isOldGeneration("G1 Eden Space"), is(false));
    }

    @Test
    void containerTriggerReadsCgroupV2WorkingSet(@TempDir Path cgroup) throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), "1048576000\n");
        Files.writeString(cgroup.resolve("memory.current"), "943718400\n");
        // 300 MiB of inactive page cache does not count: the kernel can drop it
        Files.writeString(cgroup.resolve("memory.stat"), "anon 600000000\ninactive_file 314572800\nactive_file 1\n");
        ContainerMemory memory = new ContainerMemory(cgroup, 0.8, nanos::get);
        assertThat(memory.read().orElseThrow().fraction(), closeTo(0.6, 0.001));
        assertThat(memory.decide(VIEW).due(), is(false));

        Files.writeString(cgroup.resolve("memory.stat"), "inactive_file 0\n");
        assertThat("files are read at most once a second", memory.decide(VIEW).due(), is(false));
        nanos.addAndGet(1_000_000_000L);
        Decision due = memory.decide(VIEW);
        assertThat(due.due(), is(true));
        assertThat(due.reached(), is(943718400L));
        assertThat(due.bound(), is(1048576000L));
        assertThat(TriggerPolicy.reason(due, VIEW), containsString("90% of its memory limit"));
    }

    @Test
    void containerTriggerReadsCgroupV1(@TempDir Path cgroup) throws Exception {
        Path v1 = Files.createDirectories(cgroup.resolve("memory"));
        Files.writeString(v1.resolve("memory.limit_in_bytes"), "1000\n");
        Files.writeString(v1.resolve("memory.usage_in_bytes"), "950\n");
        Files.writeString(v1.resolve("memory.stat"), "total_inactive_file 0\n");
        assertThat(new ContainerMemory(cgroup, 0.9, nanos::get).decide(VIEW).due(), is(true));
    }

    @Test
    void noLimitMeansTheTriggerStaysIdle(@TempDir Path cgroup) throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), "max\n");
        Files.writeString(cgroup.resolve("memory.current"), "943718400\n");
        assertThat(new ContainerMemory(cgroup, 0.1, nanos::get).read().isPresent(), is(false));
        assertThat(new ContainerMemory(cgroup.resolve("absent"), 0.1, nanos::get).read().isPresent(), is(false));
    }
}
