package dev.rotor.support;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.rotor.Replica;
import dev.rotor.config.ConfigLoader;

/**
 * An in-process replica on a free port, built from the real configuration files with a
 * test's overrides. Instead of ending the JVM, its exit status completes {@link #exitStatus()}.
 */
public final class TestReplica implements AutoCloseable {
    private final Replica replica;
    private final CompletableFuture<Integer> exitStatus;

    private TestReplica(Replica replica, CompletableFuture<Integer> exitStatus) {
        this.replica = replica;
        this.exitStatus = exitStatus;
    }

    /**
     * @param overrides configuration key -> value, on top of application.yaml
     * @return the started replica
     */
    public static TestReplica start(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>();
        all.put("server.port", "0");
        all.put("server.host", "127.0.0.1");
        all.putAll(overrides);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Replica replica = Replica.start(ConfigLoader.load(Map.of(), all), exit::complete);
        return new TestReplica(replica, exit);
    }

    /** @return the replica */
    public Replica replica() {
        return replica;
    }

    /** @return public port */
    public int port() {
        return replica.port();
    }

    /** @return port that serves /observe */
    public int observePort() {
        return replica.observePort();
    }

    /** @return completes with the status the replica asked to exit with */
    public CompletableFuture<Integer> exitStatus() {
        return exitStatus;
    }

    @Override
    public void close() {
        replica.close();
    }
}
