package dev.rotor.wire;

import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * The wire's selector as the server builder holds it: the builder is configured before the wire
 * opens, so this resolves the real selector the first time Helidon asks it anything (while it
 * builds the listeners, after the features' setup) and passes every call on to it.
 */
final class LateSelector implements ServerConnectionSelector {
    private final Supplier<ServerConnectionSelector> resolve;
    private final AtomicReference<ServerConnectionSelector> selector = new AtomicReference<>();

    /**
     * @param resolve the real selector; may run more than once if first asked concurrently (it
     *                builds a fresh one each time, and the first one stored is kept)
     */
    LateSelector(Supplier<ServerConnectionSelector> resolve) {
        this.resolve = resolve;
    }

    private ServerConnectionSelector selector() {
        ServerConnectionSelector s = selector.get();
        return s != null ? s : selector.updateAndGet(current -> current != null ? current : resolve.get());
    }

    @Override
    public int bytesToIdentifyConnection() {
        return selector().bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData data) {
        return selector().supports(data);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return selector().supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return selector().connection(ctx);
    }
}
