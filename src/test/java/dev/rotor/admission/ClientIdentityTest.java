package dev.rotor.admission;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The client each front door's exact header shape must give. The settings are the ones the
 * deploy files ship (render.yaml, docker-compose.yml, k8s/base/settings.env); the shapes are
 * what each proxy writes (see docs/deploying.md, "Client identity per platform").
 */
class ClientIdentityTest {
    /** A replica run by hand: nobody trusted. */
    private static final ClientIdentity LOCAL = identity("", "");
    /** docker-compose.yml: Docker's private ranges (HAProxy's network). */
    private static final ClientIdentity COMPOSE = identity("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7", "");
    /** k8s/base/settings.env: the ranges clusters take pod and node addresses from. */
    private static final ClientIdentity KUBERNETES = identity("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7", "");
    /**
     * docs/deploying.md's GKE row: the shipped ranges plus Google's front ends and the load
     * balancer's own address (34.120.7.7 here), which it appends to X-Forwarded-For.
     */
    private static final ClientIdentity GKE = identity("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7,"
                                                               + "35.191.0.0/16,130.211.0.0/22,34.120.7.7/32", "");
    /** render.yaml: Render's proxy on its private network, Cloudflare's CF-Connecting-IP from it. */
    private static final ClientIdentity RENDER = identity("10.0.0.0/8", "CF-Connecting-IP");
    /** render.yaml before issue 24: the Cloudflare edge became the client. */
    private static final ClientIdentity RENDER_WITHOUT_HEADER = identity("10.0.0.0/8", "");

    private record Shape(String name, ClientIdentity identity, String peer, List<String> cfConnectingIp, String forwardedFor,
                         String client) {
    }

    private static ClientIdentity identity(String trusted, String header) {
        return new ClientIdentity(TrustedProxies.parse(trusted), ClientIpHeader.parse(header));
    }

    private static InetAddress ip(String literal) {
        return TrustedProxies.literal(literal).orElseThrow();
    }

    private static List<String> hops(String forwardedFor) {
        return Arrays.stream(forwardedFor.split(",")).map(String::strip).filter(h -> !h.isEmpty()).toList();
    }

    private static List<Shape> shapes() {
        List<Shape> s = new ArrayList<>();
        List<String> none = List.of();
        // direct: the TCP peer, whatever it claims
        s.add(new Shape("direct", LOCAL, "203.0.113.7", none, "", "203.0.113.7"));
        s.add(new Shape("direct, claims in both headers", LOCAL, "203.0.113.7", List.of("6.6.6.6"), "6.6.6.6", "203.0.113.7"));
        s.add(new Shape("direct IPv6", LOCAL, "2001:db8::7", none, "", "2001:db8::7"));
        // compose: HAProxy drops the client's X-Forwarded-For and writes the address it saw
        s.add(new Shape("compose HAProxy", COMPOSE, "172.18.0.5", none, "198.51.100.23", "198.51.100.23"));
        s.add(new Shape("compose HAProxy, a CF-Connecting-IP the client sent", COMPOSE, "172.18.0.5", List.of("6.6.6.6"),
                        "198.51.100.23", "198.51.100.23"));
        s.add(new Shape("compose, a replica reached from the host through the gateway", COMPOSE, "172.18.0.1", none, "",
                        "172.18.0.1"));
        // Kubernetes: ingress-nginx by default (use-forwarded-headers false) replaces the header
        // with the address it saw; with use-forwarded-headers and compute-full-forwarded-for it
        // appends, and the spoofed left part stays
        s.add(new Shape("ingress-nginx default", KUBERNETES, "10.244.1.7", none, "198.51.100.23", "198.51.100.23"));
        s.add(new Shape("ingress-nginx appending behind a private L7 balancer", KUBERNETES, "10.244.1.7", none,
                        "6.6.6.6, 198.51.100.23, 10.0.3.4", "198.51.100.23"));
        s.add(new Shape("Traefik or an AWS ALB in the VPC", KUBERNETES, "192.168.7.9", none, "198.51.100.23", "198.51.100.23"));
        s.add(new Shape("ingress on a CGNAT-range pod network", KUBERNETES, "100.64.3.3", none, "198.51.100.23", "198.51.100.23"));
        s.add(new Shape("ingress IPv6 (dual-stack ULA)", KUBERNETES, "fd00:10:244::7", none, "2001:db8::7", "2001:db8::7"));
        s.add(new Shape("external L4 balancer that SNATs to a node (no header)", KUBERNETES, "10.0.0.12", none, "", "10.0.0.12"));
        // GKE Ingress (Google's external Application Load Balancer): a front end's peer address and
        // "<client>, <load balancer's IP>"; without its ranges trusted every client is the front end
        s.add(new Shape("GKE Ingress, with the documented ranges", GKE, "35.191.12.4", none, "6.6.6.6, 198.51.100.23, 34.120.7.7",
                        "198.51.100.23"));
        s.add(new Shape("GKE Ingress with the shipped ranges only: the front end is everyone", KUBERNETES, "35.191.12.4", none,
                        "198.51.100.23, 34.120.7.7", "35.191.12.4"));
        // Azure Application Gateway writes the client with its port
        s.add(new Shape("Azure Application Gateway (client:port)", KUBERNETES, "10.1.0.5", none, "198.51.100.23:51234",
                        "198.51.100.23"));
        // Render: Cloudflare, then Render's proxy from 10.x (rohitpaulk.com/articles/render-rails-remote-ip)
        s.add(new Shape("Render", RENDER, "10.21.157.68", List.of("99.61.165.29"), "99.61.165.29, 104.22.17.40",
                        "99.61.165.29"));
        s.add(new Shape("Render without the header setting: the edge", RENDER_WITHOUT_HEADER, "10.21.157.68",
                        List.of("99.61.165.29"), "99.61.165.29, 104.22.17.40", "104.22.17.40"));
        s.add(new Shape("Render, spoofed entries to the left", RENDER, "10.21.157.68", List.of("99.61.165.29"),
                        "6.6.6.6, 7.7.7.7, 99.61.165.29, 104.22.17.40", "99.61.165.29"));
        s.add(new Shape("Render IPv6 client through a Cloudflare IPv6 edge", RENDER, "10.21.157.68", List.of("2001:db8::7"),
                        "2001:db8::7, 2606:4700::6810:85e5", "2001:db8::7"));
        s.add(new Shape("Render, bracketed IPv6 in the header", RENDER, "10.21.157.68", List.of("[2001:db8::7]"),
                        "2001:db8::7, 104.22.17.40", "2001:db8::7"));
        s.add(new Shape("Render, header missing: the X-Forwarded-For walk", RENDER, "10.21.157.68", none,
                        "99.61.165.29", "99.61.165.29"));
        // spoofed CF-Connecting-IP from an untrusted peer: never read
        s.add(new Shape("spoofed CF-Connecting-IP from an untrusted peer", RENDER, "203.0.113.7", List.of("6.6.6.6"),
                        "6.6.6.6", "203.0.113.7"));
        s.add(new Shape("spoofed CF-Connecting-IP, IPv6 untrusted peer", RENDER, "2001:db8::99", List.of("6.6.6.6"), "",
                        "2001:db8::99"));
        // garbage: a header that is not one literal is not believed, the walk decides
        s.add(new Shape("header 'unknown'", RENDER, "10.21.157.68", List.of("unknown"), "99.61.165.29, 104.22.17.40",
                        "104.22.17.40"));
        s.add(new Shape("header with two addresses", RENDER, "10.21.157.68", List.of("6.6.6.6, 99.61.165.29"),
                        "99.61.165.29", "99.61.165.29"));
        s.add(new Shape("header sent twice", RENDER, "10.21.157.68", List.of("6.6.6.6", "99.61.165.29"), "99.61.165.29",
                        "99.61.165.29"));
        s.add(new Shape("header out of range", RENDER, "10.21.157.68", List.of("999.1.1.1"), "99.61.165.29", "99.61.165.29"));
        s.add(new Shape("header with a port", RENDER, "10.21.157.68", List.of("6.6.6.6:80"), "99.61.165.29", "99.61.165.29"));
        s.add(new Shape("header a host name (never resolved)", RENDER, "10.21.157.68", List.of("localhost"), "99.61.165.29",
                        "99.61.165.29"));
        s.add(new Shape("forwarded hop with a port", COMPOSE, "172.18.0.5", none, "198.51.100.23:5555", "198.51.100.23"));
        s.add(new Shape("forwarded bracketed IPv6 with a port", COMPOSE, "fd00::1", none, "2001:db8::7, [fd00::2]:443",
                        "2001:db8::7"));
        s.add(new Shape("forwarded empty entries", COMPOSE, "172.18.0.5", none, ", ,198.51.100.23,", "198.51.100.23"));
        s.add(new Shape("forwarded garbage right of the client: the last hop vouched for", COMPOSE, "172.18.0.5", none,
                        "198.51.100.23, not-an-ip, 10.2.2.2", "10.2.2.2"));
        s.add(new Shape("forwarded garbage left of the client: never reached", COMPOSE, "172.18.0.5", none,
                        "not-an-ip, 198.51.100.23", "198.51.100.23"));
        s.add(new Shape("forwarded all hops trusted: the leftmost", COMPOSE, "172.18.0.5", none, "10.1.1.1, 10.2.2.2",
                        "10.1.1.1"));
        return s;
    }

    @Test
    void eachFrontDoorsHeaderShapeGivesItsClient() {
        List<String> wrong = new ArrayList<>();
        for (Shape s : shapes()) {
            InetAddress got = s.identity().resolve(ip(s.peer()), s.cfConnectingIp(), hops(s.forwardedFor()));
            if (!got.equals(ip(s.client()))) {
                wrong.add(s.name() + ": expected " + s.client() + ", got " + got.getHostAddress());
            }
        }
        assertThat(wrong, is(empty()));
    }

    @Test
    void cidrBlocksMatchByPrefix() {
        TrustedProxies t = TrustedProxies.parse("172.16.0.0/12 192.168.1.7 2001:db8::/32");
        assertThat(t.trusts(ip("172.31.255.255")), is(true));
        assertThat(t.trusts(ip("172.32.0.0")), is(false));
        assertThat(t.trusts(ip("192.168.1.7")), is(true));
        assertThat(t.trusts(ip("192.168.1.8")), is(false));
        assertThat(t.trusts(ip("2001:db8:ffff::1")), is(true));
        assertThat(t.trusts(ip("2001:db9::1")), is(false));
        assertThat("IPv4 never matches an IPv6 block", TrustedProxies.parse("::/0").trusts(ip("1.2.3.4")), is(false));
    }

    @Test
    void hostNamesAndBadPrefixesAreRejected() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("proxy.internal")).getMessage(),
                   containsString("\"proxy.internal\""));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("300.0.0.1"));
        assertThat(TrustedProxies.literal("example.com").isPresent(), is(false));
        assertThat(TrustedProxies.literal("abc::z").isPresent(), is(false));
    }

    @Test
    void theClientIpHeaderIsATokenThatCanHoldAnAddress() {
        assertThat(ClientIpHeader.parse(""), is(Optional.empty()));
        assertThat(ClientIpHeader.parse(" CF-Connecting-IP ").orElseThrow(), is(HeaderNames.create("CF-Connecting-IP")));
        assertThat(ClientIpHeader.parse("True-Client-IP").isPresent(), is(true));
        assertThat(assertThrows(IllegalArgumentException.class, () -> ClientIpHeader.parse("CF Connecting IP")).getMessage(),
                   containsString("not a header name"));
        assertThrows(IllegalArgumentException.class, () -> ClientIpHeader.parse("CF-Connecting-IP:"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> ClientIpHeader.parse("x-forwarded-for")).getMessage(),
                   containsString("trusted-proxies"));
        assertThrows(IllegalArgumentException.class, () -> ClientIpHeader.parse("Host"));
        assertThrows(IllegalArgumentException.class, () -> ClientIpHeader.parse("X-Api-Key"));
    }
}
