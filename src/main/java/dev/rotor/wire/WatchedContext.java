package dev.rotor.wire;

import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

import dev.rotor.web.RequestIds;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;

/**
 * The connection as Helidon's HTTP/1.1 parser sees it, with one difference: its reader tells
 * the connection's watch when bytes arrive, so that a later request's header deadline starts
 * at its first byte. Everything else is the real connection.
 */
final class WatchedContext implements ConnectionContext {
    private final ConnectionContext delegate;
    private final ConnectionWatch watch;
    private final DataReader reader;
    private final UnaryOperator<Router> front;
    /** Asked for by every response Helidon makes: kept here rather than asked of the delegate. */
    private final ListenerContext listenerContext;
    /**
     * Whether the connection's first read is done: its thread is then marked as one the wire
     * serves (once is enough: Helidon serves a connection on one thread for its whole life, and
     * the mark never goes back; a thread-local lookup on every read was ~3% of a {@code GET /}'s
     * samples), and what Helidon's own reader held has been taken over.
     */
    private boolean tracked;

    /**
     * @param bytes the first bytes of a request
     * @return whether they can begin an HTTP/1.1 request line: a method (registered methods are
     *         upper-case letters), or the empty lines RFC 9112 §2.2 lets a client send before it
     */
    static boolean looksLikeHttp(byte[] bytes) {
        byte b = bytes[0];
        return (b >= 'A' && b <= 'Z') || b == '\r' || b == '\n';
    }

    WatchedContext(ConnectionContext delegate, LongSupplier nanoClock, Runnable notHttp, RequestIds.Sequence ids,
                   UnaryOperator<Router> front) {
        this.delegate = delegate;
        this.front = front;
        this.listenerContext = delegate.listenerContext();
        this.watch = new ConnectionWatch(this, nanoClock.getAsLong(), ids);
        HelidonSocket socket = delegate.serverSocket();
        // what Helidon's own reader already holds: with more than one selector on the listener
        // (a host's, or a test server's copy of ours) Helidon reads the first bytes to pick one
        DataReader identified = delegate.dataReader();
        // the same supplier Helidon's own reader uses (ConnectionHandler), plus the watch
        this.reader = new DataReader(() -> {
            byte[] bytes;
            try {
                if (tracked) {
                    bytes = socket.get();
                } else {
                    // the first read of the connection: Helidon's reader is read no more once the
                    // connection is handed over, so it is emptied here or never
                    int held = identified.available();
                    bytes = held > 0 ? identified.readBytes(held) : socket.get();
                }
            } catch (UncheckedIOException e) {
                throw new ServerConnectionException("Failed to get data from socket", e);
            }
            if (!tracked) {
                ParsePhase.track(watch);
                tracked = true;
            }
            if (bytes != null && watch.bytesArrived() && !looksLikeHttp(bytes)) {
                notHttp.run();
                // not a request line: nothing sensible can be answered (TLS on the plain port, a
                // port scanner); Helidon would wait for a line end until the header deadline
                throw new CloseConnectionException("bytes that are not HTTP");
            }
            return bytes;
        });
    }

    ConnectionWatch watch() {
        return watch;
    }

    @Override
    public DataReader dataReader() {
        return reader;
    }

    @Override
    public ListenerContext listenerContext() {
        return listenerContext;
    }

    @Override
    public ExecutorService executor() {
        return delegate.executor();
    }

    @Override
    public DataWriter dataWriter() {
        return delegate.dataWriter();
    }

    @Override
    public Router router() {
        // asked once, when Helidon makes the connection: its routing behind the wire's front
        return front.apply(delegate.router());
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return delegate.proxyProtocolData();
    }

    @Override
    public HelidonSocket serverSocket() {
        return delegate.serverSocket();
    }

    @Override
    public PeerInfo remotePeer() {
        return delegate.remotePeer();
    }

    @Override
    public PeerInfo localPeer() {
        return delegate.localPeer();
    }

    @Override
    public boolean isSecure() {
        return delegate.isSecure();
    }

    @Override
    public String socketId() {
        return delegate.socketId();
    }

    @Override
    public String childSocketId() {
        return delegate.childSocketId();
    }
}
