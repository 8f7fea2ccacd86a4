package dev.rotor.upstream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.function.Supplier;

import org.apache.http.HttpHost;
import org.apache.http.conn.socket.LayeredConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.protocol.HttpContext;

/**
 * The outbound pool's TLS sockets, made ready on the first {@code https} call rather than at
 * startup: loading the JDK's trust store and building the TLS context took about 0.1 s of a
 * replica's ~0.65 s start (measured with the log's timestamps), and a replica that rotates
 * starts again and again, often without ever calling an upstream over TLS (the echo model, a
 * geo-IP provider on plain HTTP). The first TLS call pays it once instead.
 */
final class LazyTlsSocketFactory implements LayeredConnectionSocketFactory {
    private final Supplier<SSLConnectionSocketFactory> factory;
    private volatile SSLConnectionSocketFactory delegate;

    LazyTlsSocketFactory() {
        this(SSLConnectionSocketFactory::getSocketFactory);
    }

    /**
     * @param factory builds the real factory (the JDK's default TLS context in production)
     */
    LazyTlsSocketFactory(Supplier<SSLConnectionSocketFactory> factory) {
        this.factory = factory;
    }

    /** @return whether the TLS context has been built */
    boolean ready() {
        return delegate != null;
    }

    private SSLConnectionSocketFactory tls() {
        SSLConnectionSocketFactory d = delegate;
        if (d == null) {
            synchronized (this) { // once, before any TLS I/O: no virtual thread blocks on I/O here
                d = delegate;
                if (d == null) {
                    d = factory.get();
                    delegate = d;
                }
            }
        }
        return d;
    }

    @Override
    public Socket createSocket(HttpContext context) throws IOException {
        return tls().createSocket(context);
    }

    @Override
    public Socket connectSocket(int connectTimeout, Socket socket, HttpHost host, InetSocketAddress remoteAddress,
                                InetSocketAddress localAddress, HttpContext context) throws IOException {
        return tls().connectSocket(connectTimeout, socket, host, remoteAddress, localAddress, context);
    }

    @Override
    public Socket createLayeredSocket(Socket socket, String target, int port, HttpContext context) throws IOException {
        return tls().createLayeredSocket(socket, target, port, context);
    }
}
