package dev.rotor.worker;

import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.nio.channels.Channel;
import java.util.Map;

import io.helidon.webserver.WebServer;

/**
 * Stops a Helidon server's listeners from accepting, without stopping the server, so that a worker
 * that hands over answers every connection it accepted. Helidon's own stop closes each listener
 * and then shuts down its connection executor; a connection the listener accepted a moment before
 * the close is then refused by the executor and closed unanswered ("Executor rejected handler for
 * new connection": one request lost in ~5 handovers at 400 requests/s on a busy machine). Here
 * the listener is marked stopped first, then its socket is closed: its accept loop ends quietly
 * (Helidon treats an asynchronous close of a stopped listener as the end), and everything it had
 * accepted is still handled by a live executor. Helidon has no public call for this, so it is
 * done through its fields ({@code LoomServer.listeners}, {@code ServerListener.running} and
 * {@code serverSocket}, Helidon 4.5); when they are not there the caller falls back to the plain
 * stop, and says so.
 */
public final class Listeners {
    private static final System.Logger LOG = System.getLogger(Listeners.class.getName());

    private Listeners() {
    }

    /**
     * This worker listens now: take off what its predecessor left on the port's listeners so that
     * they share new connections by hash again ({@link AcceptQueue}).
     *
     * @param server this worker's started server
     * @return whether anything was left
     */
    public static boolean listening(WebServer server) {
        return AcceptQueue.unsteer(server.port());
    }

    /**
     * @param server a started Helidon server
     * @return whether every listener stopped accepting (false: nothing was changed, or a
     *         listener's socket could not be closed; the caller stops the server as usual)
     */
    public static boolean stopAccepting(WebServer server) {
        // first let the kernel stop queueing on this process's listener, and take what is queued
        AcceptQueue.closeAndDrain(server.port(), java.time.Duration.ofMillis(500));
        try {
            Field listenersField = server.getClass().getDeclaredField("listeners");
            listenersField.setAccessible(true);
            Map<?, ?> listeners = (Map<?, ?>) listenersField.get(server);
            for (Object listener : listeners.values()) {
                Field running = listener.getClass().getDeclaredField("running");
                Field socket = listener.getClass().getDeclaredField("serverSocket");
                running.setAccessible(true);
                socket.setAccessible(true);
                running.setBoolean(listener, false);
                ((Channel) socket.get(listener)).close();
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | java.io.IOException e) {
            LOG.log(Level.WARNING, "cannot stop this Helidon's listeners from accepting on their own (" + e
                    + "); stopping the server instead, which may close a connection accepted at that moment unanswered");
            return false;
        }
    }
}
