package dev.rotor.config;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The timeout chain ({@code rotor.chain} and the timeouts it ties together): each bound
 * outlasts the one inside it, so that a request is answered by the layer that knows why it
 * took long, and a drain or a stop never cuts what the replica allows.
 * <pre>
 *   queue-timeout + request-timeout  &lt;  drain-timeout  &lt;  stop-grace-period
 *   queue-timeout + request-timeout  &lt;  front-timeout
 * </pre>
 * A request the replica admits may wait {@code queue-timeout} for a permit and then run
 * {@code request-timeout}. A broken link is refused at startup, every broken link in one
 * message naming the variables: each is certain to cost a request when a slow one meets a
 * drain, a stop or the front door. One link is only warned about: a drain timeout that does
 * not also cover the drain period (a request that arrives as the drain period ends). The load
 * balancer stops sending long before that (the period is sized as its worst case), and a long
 * period with a short timeout is a fair way to watch a drain by hand; refusing it would be wrong.
 *
 * @param queueTimeout        longest wait for a permit ({@code rotor.admission.queue-timeout})
 * @param requestTimeout      longest run of an admitted request ({@code rotor.wire.request-timeout})
 * @param drainPeriod         readiness down before a rotating replica leaves
 * @param shutdownDrainPeriod readiness down after SIGTERM
 * @param drainTimeout        hard bound on a drain, from its start
 * @param frontTimeout        the proxy in front's server timeout, when the deployment says it
 * @param stopGracePeriod     the orchestrator's wait from SIGTERM to SIGKILL, when the deployment says it
 */
public record TimeoutChain(Duration queueTimeout, Duration requestTimeout, Duration drainPeriod,
                           Duration shutdownDrainPeriod, Duration drainTimeout,
                           Optional<Duration> frontTimeout, Optional<Duration> stopGracePeriod) {
    private static final System.Logger LOG = System.getLogger(TimeoutChain.class.getName());
    /** Wide on purpose: each feature's own record checks its range; this only compares. */
    private static final Duration LONGEST = Duration.ofDays(30);
    /**
     * A number with a unit, as HAProxy and compose read it (compose passes the same variable to
     * both): HAProxy refuses ISO-8601 and reads a bare number as milliseconds.
     */
    private static final Pattern WITH_UNIT = Pattern.compile("\\d{1,12}(ms|s|m|h)");
    private static final String REFERENCE = "docs/configuration.md, \"The timeout chain\"";

    /**
     * Reads the chain, refuses it when a link is broken and warns about the drain period.
     *
     * @param rotor the {@code rotor} node
     * @return the chain
     * @throws InvalidSettingException naming every broken link's variables
     */
    public static TimeoutChain from(Settings rotor) {
        Settings admission = rotor.node("admission");
        Settings wire = rotor.node("wire");
        Settings lifecycle = rotor.node("lifecycle");
        Settings chain = rotor.node("chain");
        TimeoutChain c = new TimeoutChain(admission.duration("queue-timeout", Duration.ZERO, LONGEST),
                                          wire.duration("request-timeout", Duration.ZERO, LONGEST),
                                          lifecycle.duration("drain-period", Duration.ZERO, LONGEST),
                                          lifecycle.duration("shutdown-drain-period", Duration.ZERO, LONGEST),
                                          lifecycle.duration("drain-timeout", Duration.ZERO, LONGEST),
                                          outer(chain, "front-timeout"),
                                          outer(chain, "stop-grace-period"));
        String allowedNames = name(admission, "queue-timeout") + " + " + name(wire, "request-timeout");
        String allowed = allowedNames + " = " + c.queueTimeout + " + " + c.requestTimeout;
        String drainTimeout = name(lifecycle, "drain-timeout") + " = " + c.drainTimeout;
        List<String> broken = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        if (c.drainTimeout.compareTo(c.allowed()) <= 0) {
            broken.add(drainTimeout + " must be longer than " + allowed
                               + ": a drain that starts while a request runs would cut it");
            keys.add("rotor.lifecycle.drain-timeout");
        }
        if (c.frontTimeout.isPresent() && c.frontTimeout.get().compareTo(c.allowed()) <= 0) {
            broken.add(name(chain, "front-timeout") + " = " + c.frontTimeout.get() + " must be longer than " + allowed
                               + ": the front would answer a slow request with its own 504 before the replica does");
            keys.add("rotor.chain.front-timeout");
        }
        if (c.stopGracePeriod.isPresent() && c.stopGracePeriod.get().compareTo(c.drainTimeout) <= 0) {
            broken.add(name(chain, "stop-grace-period") + " = " + c.stopGracePeriod.get() + " must be longer than "
                               + drainTimeout + ": the orchestrator would kill a replica still draining after SIGTERM");
            keys.add("rotor.chain.stop-grace-period");
        }
        if (!broken.isEmpty()) {
            throw new InvalidSettingException(keys.getFirst(), "invalid configuration: the timeout chain is broken ("
                    + REFERENCE + "): " + String.join("; ", broken) + ". Raise the outer bound or lower the inner one");
        }
        boolean shutdownLonger = c.shutdownDrainPeriod.compareTo(c.drainPeriod) > 0;
        Duration period = shutdownLonger ? c.shutdownDrainPeriod : c.drainPeriod;
        if (c.drainTimeout.compareTo(period.plus(c.allowed())) <= 0) {
            LOG.log(Level.WARNING, drainTimeout + " is not longer than "
                    + name(lifecycle, shutdownLonger ? "shutdown-drain-period" : "drain-period") + " + " + allowedNames
                    + " = " + period + " + " + c.queueTimeout + " + " + c.requestTimeout + ": a request the load balancer "
                    + "still sends as the drain period ends could be cut by the drain (" + REFERENCE + ")");
        }
        return c;
    }

    /** @return what a request the replica admits may take: its wait for a permit, then its run */
    public Duration allowed() {
        return queueTimeout.plus(requestTimeout);
    }

    private static Optional<Duration> outer(Settings chain, String key) {
        return chain.optionalString(key).map(value -> {
            Duration d = WITH_UNIT.matcher(value).matches() ? Settings.parseDuration(value) : null;
            if (d == null || d.isZero() || d.compareTo(LONGEST) > 0) {
                throw chain.invalid(key, "must be a number with a unit (ms, s, m or h), such as 70s or 2m, up to 30 days, "
                        + "or empty (not checked): written as HAProxy and compose read it, which refuse ISO-8601 "
                        + "and read a bare number as milliseconds");
            }
            return d;
        });
    }

    /** The variable, and gunicorn's name for it when it has one: the operator may have set either. */
    private static String name(Settings node, String key) {
        String named = node.name(key);
        for (Map.Entry<String, String> alias : EnvOverrides.ALIASES.entrySet()) {
            if (named.startsWith(alias.getValue() + " ")) {
                return alias.getValue() + " or " + alias.getKey() + named.substring(alias.getValue().length());
            }
        }
        return named;
    }
}
