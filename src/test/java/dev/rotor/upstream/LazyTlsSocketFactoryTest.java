package dev.rotor.upstream;

import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.protocol.BasicHttpContext;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class LazyTlsSocketFactoryTest {
    @Test
    void theTlsContextIsBuiltOnTheFirstTlsSocketOnlyAndOnce() throws Exception {
        AtomicInteger built = new AtomicInteger();
        LazyTlsSocketFactory lazy = new LazyTlsSocketFactory(() -> {
            built.incrementAndGet();
            return SSLConnectionSocketFactory.getSocketFactory();
        });
        assertThat("nothing built at startup", built.get(), is(0));
        assertThat(lazy.ready(), is(false));
        try (Socket first = lazy.createSocket(new BasicHttpContext());
             Socket second = lazy.createSocket(new BasicHttpContext())) {
            assertThat(first.isConnected(), is(false));
            assertThat(second.isConnected(), is(false));
        }
        assertThat("built once", built.get(), is(1));
        assertThat(lazy.ready(), is(true));
    }
}
