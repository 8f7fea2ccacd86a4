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

    @Override
    public void close(boolean interrupt) {
        delegate.close(interrupt);
    }

    @Override
    public boolean canInterrupt() {
        return delegate instanceof InterruptableTask<?> task && task.canInterrupt();
    }
}
