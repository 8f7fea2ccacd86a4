package dev.rotor.upstream;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * Apache's pool with one addition: {@link #trimIdle(int)} closes idle connections beyond a
 * count. Apache bounds open connections but not idle ones, and its reuse decision is made
 * when a response's headers arrive, so a burst of responses all see room and all keep
 * their connection; trimming after each release makes the kept-alive bound hold.
 */
final class OutboundPool extends PoolingHttpClientConnectionManager {
    /** Plain HTTP as Apache's default; TLS made ready on the first https call ({@link LazyTlsSocketFactory}). */
    OutboundPool() {
        super(RegistryBuilder.<ConnectionSocketFactory>create()
                      .register("http", PlainConnectionSocketFactory.getSocketFactory())
                      .register("https", new LazyTlsSocketFactory())
                      .build());
    }

    /**
     * Close idle connections beyond {@code keep}, the least recently used first (the pool
     * lists idle connections most recently released first). Not while callers wait for a
     * connection: the one just released is theirs, and closing it would only make them open
     * a new one (the upstream would briefly see more than the cap: one closing, one opening).
     *
     * @param keep how many idle connections may stay
     */
    void trimIdle(int keep) {
        if (getTotalStats().getAvailable() <= keep || getTotalStats().getPending() > 0) {
            return;
        }
        AtomicInteger seen = new AtomicInteger();
        enumAvailable(entry -> {
            if (seen.incrementAndGet() > keep) {
                entry.close(); // the pool drops closed entries as it enumerates
            }
        });
    }
}
