package dev.rotor.wire;

import java.time.Duration;

import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.webserver.spi.ServerConnection;

/**
 * Helidon's HTTP/1.1 connection, registered with the wire for as long as it lives: the
 * watchdog sees it from accept to close, and routes on its thread find its watch.
 */
final class GuardedConnection implements ServerConnection, InterruptableTask<Void> {
    private final ServerConnection delegate;
    private final WatchedContext ctx;
    private final Wire wire;

    GuardedConnection(ServerConnection delegate, WatchedContext ctx, Wire wire) {
        this.delegate = delegate;
        this.ctx = ctx;
        this.wire = wire;
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
        wire.opened(ctx.watch());
        try {
            delegate.handle(limit);
        } finally {
            wire.closed(ctx.watch());
        }
    }

    @Override
    public Duration idleTime() {
        return delegate.idleTime();
    }

    /**
     * Helidon's stop asks every open connection to close ({@code interrupt} false) right after
     * it closes the listener. Only a connection idle between requests is let go then: one whose
     * request is on its way (accepted a moment ago, or its bytes already arriving) is answered
     * first, and its response closes it (the replica is draining). Helidon would interrupt such a
     * connection while it reads the request line, and the client would get no answer at all.
     * Helidon's forced close at the end of its grace period ({@code interrupt} true) always acts.
     */
    @Override
    public void close(boolean interrupt) {
        if (interrupt || ctx.watch().phase() == ConnectionWatch.Phase.IDLE) {
            delegate.close(interrupt);
        }
    }

    @Override
    public boolean canInterrupt() {
        return delegate instanceof InterruptableTask<?> task && task.canInterrupt();
    }
}
