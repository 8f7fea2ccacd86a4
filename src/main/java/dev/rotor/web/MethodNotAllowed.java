package dev.rotor.web;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;

/**
 * Helidon answers a known path with an unrouted method as 404; services register this
 * handler last on each of their paths so that it is a 405 with {@code Allow}, in our JSON shape.
 */
public final class MethodNotAllowed {
    private MethodNotAllowed() {
    }

    /**
     * @param allowed the methods the path accepts, e.g. {@code GET, DELETE}
     * @return a handler that answers 405
     */
    public static Handler allowing(String allowed) {
        return (req, res) -> {
            res.header(HeaderNames.ALLOW, allowed);
            ErrorResponses.send(res, Status.METHOD_NOT_ALLOWED_405, "method_not_allowed",
                                req.prologue().method().text() + " is not allowed on " + req.path().path()
                                        + "; allowed: " + allowed, null);
        };
    }
}
