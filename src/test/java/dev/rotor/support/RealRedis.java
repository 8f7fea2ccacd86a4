package dev.rotor.support;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.LongSupplier;

import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.SharedRedis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} for a test class ({@link RedisTestServer}), and the Redis clients
 * the tests open on it, closed after each test.
 *
 * <p>Registered on a static field, one server serves the whole class and every test starts
 * from an empty one (all keys, loaded scripts and counters cleared; a server that the previous
 * test killed or froze is started or thawed first). Registered on an instance field, each test
 * gets a server of its own: for tests that count connections from the server's first moment.
 * <pre>
 * &#64;RegisterExtension
 * static final RealRedis REDIS = new RealRedis();
 * </pre>
 */
public final class RealRedis implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private RedisTestServer server;
    private boolean perClass;

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        server = RedisTestServer.startNew();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (server == null) {
            server = RedisTestServer.startNew();
            return;
        }
        server.resume();
        server.start();
        server.command("FLUSHALL");
        server.command("SCRIPT", "FLUSH");
        server.command("CONFIG", "RESETSTAT");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            closeClients();
        } finally {
            if (!perClass && server != null) {
                server.close();
                server = null;
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** @return the running server (kill, freeze and restart it through this) */
    public RedisTestServer server() {
        if (server == null) {
            throw new IllegalStateException("no redis-server: register RealRedis with @RegisterExtension");
        }
        return server;
    }

    /** @return {@code redis://127.0.0.1:port} */
    public String url() {
        return server().url();
    }

    /**
     * @param poolMax          most connections open at once
     * @param connectTimeout   TCP connect bound
     * @param socketTimeout    bound on one command's reply
     * @param borrowTimeout    longest wait for a pooled connection
     * @param failureThreshold consecutive failures that open the circuit
     * @param openFor          how long the circuit stays open
     * @return settings for this server
     */
    public RedisConfig config(int poolMax, Duration connectTimeout, Duration socketTimeout, Duration borrowTimeout,
                              int failureThreshold, Duration openFor) {
        return new RedisConfig(Optional.of(URI.create(url())), poolMax, connectTimeout, socketTimeout, borrowTimeout,
                               failureThreshold, openFor);
    }

    /**
     * @param config    settings, usually from {@link #config}
     * @param nanoClock the circuit's clock (a fake one moves only when the test says)
     * @return a client on this server, closed after the test
     */
    public SharedRedis client(RedisConfig config, LongSupplier nanoClock) {
        return closeAfterTest(new SharedRedis(config, nanoClock));
    }

    /**
     * @param resource something opened on this server (a store, a tracking connection)
     * @param <T>      its type
     * @return the resource; closed after the test, the last opened first
     */
    public <T extends AutoCloseable> T closeAfterTest(T resource) {
        open.push(resource);
        return resource;
    }

    private void closeClients() throws Exception {
        Exception first = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
