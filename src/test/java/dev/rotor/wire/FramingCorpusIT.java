package dev.rotor.wire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.rotor.admission.MalformedRequests.Kind;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.MetricsText;
import dev.rotor.support.RawSocket;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

/**
 * Malformed requests, sent raw to the built jar: request lines, header sections and body
 * framing (lengths, transfer codings, chunk sizes, chunk extensions, last chunks, trailers),
 * from RFC 9112 and the request-smuggling literature (CL.TE / TE.CL / TE.TE shapes, obs-fold,
 * whitespace before the colon, duplicate and list lengths, over-long and signed numbers).
 *
 * <p>Each is followed on the same connection by a well-formed request, as a smuggler's next
 * request would be: after a framing error that request must never be answered. Each must get
 * one 4xx in the JSON shape with {@code Connection: close} and the connection closed (or, for
 * bytes that cannot begin a request, a close without an answer); none may be a 5xx or log
 * above INFO; a client on another connection is served throughout; every refusal is counted
 * by kind, and the log gets one summary line.
 */
class FramingCorpusIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String H = "Host: x\r\n";
    private static final String POST = "POST /api/sessions HTTP/1.1\r\n" + H + "Content-Type: application/json\r\n";
    private static final String TE = "Transfer-Encoding: chunked\r\n";
    private static final String CHUNKED = POST + TE + "\r\n";
    private static final String NEXT = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    /** What the replica must do with a case. */
    private enum Outcome { REFUSED, LIMIT, CLOSED_UNANSWERED }

    /** @param says a fragment the answer must contain (whose rule answered), or null */
    private record Case(String name, String raw, Outcome outcome, Kind kind, String says) {
        Case(String name, String raw, Outcome outcome, Kind kind) {
            this(name, raw, outcome, kind, null);
        }

        Case saying(String fragment) {
            return new Case(name, raw, outcome, kind, fragment);
        }
    }

    private static Case refused(String name, Kind kind, String raw) {
        return new Case(name, raw, Outcome.REFUSED, kind);
    }

    /** Rules Rotor dropped from FramingRules when Helidon 4.5 took them over: Helidon's own words. */
    private static final String HELIDON_ONE_LENGTH = "Content-Length header must have exactly one value";
    private static final String HELIDON_NOT_A_NUMBER = "Content length is not a number";
    private static final String HELIDON_TE_WITH_CL = "Transfer-Encoding and Content-Length headers must not be combined";
    private static final String HELIDON_FINAL_CHUNKED = "Final Transfer-Encoding for requests must be chunked";
    private static final String HELIDON_CHUNKED_TWICE = "Chunked Transfer-Encoding must not be applied more than once";

    static List<Case> corpus() {
        List<Case> c = new ArrayList<>();
        // chunk sizes (RFC 9112 §7.1: chunk-size = 1*HEXDIG)
        c.add(refused("chunk size zz", Kind.CHUNKED_BODY, CHUNKED + "zz\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size of 17 hex digits", Kind.CHUNKED_BODY, CHUNKED + "10000000000000002\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size over 31 bits", Kind.CHUNKED_BODY, CHUNKED + "fffffffff\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size negative", Kind.CHUNKED_BODY, CHUNKED + "-2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size 0x prefix", Kind.CHUNKED_BODY, CHUNKED + "0x2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size empty", Kind.CHUNKED_BODY, CHUNKED + "\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size with a leading space", Kind.CHUNKED_BODY, CHUNKED + " 2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size with a trailing space", Kind.CHUNKED_BODY, CHUNKED + "2 \r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size with an underscore", Kind.CHUNKED_BODY, CHUNKED + "0_2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size ended by a bare LF", Kind.CHUNKED_BODY, CHUNKED + "2\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size with a trailing tab", Kind.CHUNKED_BODY, CHUNKED + "2\t\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk size non-ASCII digit", Kind.CHUNKED_BODY, CHUNKED + "\u00b2\r\n{}\r\n0\r\n\r\n"));
        // chunk data longer than its size (TE.TE desync)
        c.add(refused("chunk data longer than its size", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}xx\r\n0\r\n\r\n"));
        c.add(refused("chunk data without CRLF", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}0\r\n\r\n"));
        // chunk extensions (§7.1.1): Helidon accepts none, well-formed or not
        c.add(refused("chunk extension", Kind.CHUNKED_BODY, CHUNKED + "2;name=value\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk extension bare semicolon", Kind.CHUNKED_BODY, CHUNKED + "2;\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk extension with a control character", Kind.CHUNKED_BODY, CHUNKED + "2;\u0001\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk extension with a bare LF", Kind.CHUNKED_BODY, CHUNKED + "2;a\nb\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunk extension quoted CRLF", Kind.CHUNKED_BODY, CHUNKED + "2;a=\"x\r\n\"\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("last chunk with an extension", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}\r\n0;x=y\r\n\r\n"));
        // last chunk and trailer section (§7.1.2)
        c.add(refused("last chunk without its CRLF", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}\r\n0\r\nGET / HTTP/1.1\r\n"));
        c.add(refused("trailer field", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n"));
        c.add(refused("trailer without a colon", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}\r\n0\r\nnocolon\r\n\r\n"));
        c.add(refused("trailer Content-Length", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}\r\n0\r\nContent-Length: 5\r\n\r\n"));
        c.add(refused("trailer obs-fold", Kind.CHUNKED_BODY, CHUNKED + "2\r\n{}\r\n0\r\nX-A: 1\r\n 2\r\n\r\n"));
        // Transfer-Encoding (§6.1, §6.3)
        c.add(refused("Content-Length with Transfer-Encoding (CL.TE)", Kind.TRANSFER_ENCODING,
                      POST + "Content-Length: 4\r\n" + TE + "\r\n2\r\n{}\r\n0\r\n\r\n").saying(HELIDON_TE_WITH_CL));
        c.add(refused("Transfer-Encoding with Content-Length (TE.CL)", Kind.TRANSFER_ENCODING,
                      POST + TE + "Content-Length: 30\r\n\r\n2\r\n{}\r\n0\r\n\r\n").saying(HELIDON_TE_WITH_CL));
        c.add(refused("chunked then gzip", Kind.TRANSFER_ENCODING, POST + "Transfer-Encoding: chunked, gzip\r\n\r\n{}")
                      .saying(HELIDON_FINAL_CHUNKED));
        c.add(refused("chunked twice on two lines", Kind.TRANSFER_ENCODING, POST + TE + TE + "\r\n2\r\n{}\r\n0\r\n\r\n")
                      .saying(HELIDON_CHUNKED_TWICE));
        c.add(refused("chunked twice in a list", Kind.TRANSFER_ENCODING,
                      POST + "Transfer-Encoding: chunked, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("identity", Kind.TRANSFER_ENCODING, POST + "Transfer-Encoding: identity\r\n\r\n{}").saying(HELIDON_FINAL_CHUNKED));
        c.add(refused("empty Transfer-Encoding", Kind.TRANSFER_ENCODING, POST + "Transfer-Encoding: \r\n\r\n{}"));
        c.add(refused("xchunked", Kind.TRANSFER_ENCODING, POST + "Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("quoted chunked", Kind.TRANSFER_ENCODING, POST + "Transfer-Encoding: \"chunked\"\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("chunked with a parameter", Kind.TRANSFER_ENCODING,
                      POST + "Transfer-Encoding: chunked;q=1\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("Transfer-Encoding with a space before the colon", Kind.HEADER_SECTION,
                      POST + "Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        c.add(refused("Transfer-Encoding folded (obs-fold)", Kind.HEADER_SECTION,
                      POST + "Transfer-Encoding:\r\n chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        // Content-Length (§6.2, §6.3)
        c.add(refused("two different lengths", Kind.CONTENT_LENGTH, POST + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x")
                      .saying(HELIDON_ONE_LENGTH));
        c.add(refused("two equal lengths", Kind.CONTENT_LENGTH, POST + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"));
        c.add(refused("a list of lengths", Kind.CONTENT_LENGTH, POST + "Content-Length: 2, 2\r\n\r\n{}").saying(HELIDON_ONE_LENGTH));
        c.add(refused("negative length", Kind.CONTENT_LENGTH, POST + "Content-Length: -1\r\n\r\n{}"));
        c.add(refused("signed length", Kind.CONTENT_LENGTH, POST + "Content-Length: +2\r\n\r\n{}").saying(HELIDON_NOT_A_NUMBER));
        c.add(refused("hex length", Kind.CONTENT_LENGTH, POST + "Content-Length: 0x2\r\n\r\n{}"));
        c.add(refused("length over 63 bits", Kind.CONTENT_LENGTH, POST + "Content-Length: 99999999999999999999999\r\n\r\n{}")
                      .saying(HELIDON_NOT_A_NUMBER));
        c.add(refused("empty length", Kind.CONTENT_LENGTH, POST + "Content-Length: \r\n\r\n{}"));
        c.add(refused("letters for a length", Kind.CONTENT_LENGTH, POST + "Content-Length: abc\r\n\r\n{}"));
        c.add(refused("space inside the length", Kind.CONTENT_LENGTH, POST + "Content-Length: 1 2\r\n\r\n{}"));
        c.add(refused("Content-Length with a space before the colon", Kind.HEADER_SECTION,
                      POST + "Content-Length : 2\r\n\r\n{}"));
        c.add(new Case("length over the payload limit", POST + "Content-Length: 2000000\r\n\r\n{}", Outcome.LIMIT, null));
        // request line (§3)
        c.add(refused("no version", Kind.REQUEST_LINE, "GET /\r\n" + H + "\r\n"));
        c.add(refused("HTTP/0.9 style", Kind.REQUEST_LINE, "GET /\r\n\r\n"));
        c.add(refused("HTTP/2.0 over HTTP/1 framing", Kind.REQUEST_LINE, "GET / HTTP/2.0\r\n" + H + "\r\n"));
        c.add(refused("misspelt protocol", Kind.REQUEST_LINE, "GET / HTTX/1.1\r\n" + H + "\r\n"));
        c.add(refused("three-digit minor version", Kind.REQUEST_LINE, "GET / HTTP/1.10\r\n" + H + "\r\n"));
        c.add(refused("two spaces", Kind.REQUEST_LINE, "GET  / HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("tab instead of a space", Kind.REQUEST_LINE, "GET\t/ HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("space in the target", Kind.REQUEST_LINE, "GET /a b HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("control character in the target", Kind.REQUEST_LINE, "GET /a\u0001b HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("NUL in the target", Kind.REQUEST_LINE, "GET /\u0000 HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("bad percent-encoding", Kind.REQUEST_LINE, "GET /%zz HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("broken absolute form", Kind.REQUEST_LINE, "GET http://[::1 HTTP/1.1\r\n" + H + "\r\n"));
        c.add(refused("bare LF line ends", Kind.REQUEST_LINE, "GET / HTTP/1.1\nHost: x\n\n"));
        c.add(new Case("request line over the limit", "GET /" + "a".repeat(5000) + " HTTP/1.1\r\n" + H + "\r\n",
                       Outcome.LIMIT, null));
        c.add(new Case("lower-case method", "get / HTTP/1.1\r\n" + H + "\r\n", Outcome.CLOSED_UNANSWERED, null));
        c.add(new Case("leading space", " GET / HTTP/1.1\r\n" + H + "\r\n", Outcome.CLOSED_UNANSWERED, null));
        // header section (§5)
        c.add(refused("field without a colon", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "NoColon\r\n\r\n"));
        c.add(refused("space before the colon", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X-A : 1\r\n\r\n"));
        c.add(refused("control character in a name", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X\u0001A: 1\r\n\r\n"));
        c.add(refused("control character in a value", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X-A: 1\u0001\r\n\r\n"));
        c.add(refused("NUL in a value", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X-A: 1\u00002\r\n\r\n"));
        c.add(refused("obs-fold", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X-A: 1\r\n 2\r\n\r\n"));
        c.add(refused("first field line folded", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n X-A: 1\r\n" + H + "\r\n"));
        c.add(refused("bare CR in a value", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X-A: 1\r2\r\n\r\n"));
        c.add(refused("non-ASCII name", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + "X-\u00e9: 1\r\n\r\n"));
        // kept in FramingRules: Helidon 4.5 accepts it
        c.add(refused("empty field name", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n" + H + ": 1\r\n\r\n")
                      .saying("a field line has an empty name"));
        c.add(refused("no Host", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\n\r\n"));
        c.add(refused("two Hosts", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
        c.add(refused("Host with a space", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"));
        c.add(refused("Host with userinfo", Kind.HEADER_SECTION, "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n"));
        c.add(new Case("header section over the limit", "GET / HTTP/1.1\r\n" + H + "X-A: " + "a".repeat(20_000) + "\r\n\r\n",
                       Outcome.LIMIT, null));
        return c;
    }

    private static double metric(int port, String name, String... labels) {
        return MetricsText.value(Http.get(port, "/observe/metrics").body(), name, labels);
    }

    private static String exchange(int port, String raw) throws Exception {
        try (RawSocket s = RawSocket.open(port, PATIENCE)) {
            s.send(raw + NEXT);
            return s.readToClose();
        }
    }

    @Test
    void everyMalformedRequestIsTheClientsA4xxAndAClosedConnection() throws Exception {
        List<Case> corpus = corpus();
        assertThat(corpus.stream().filter(k -> k.outcome() == Outcome.REFUSED).count(), greaterThanOrEqualTo(50L));
        // a summary interval longer than the run: exactly one INFO line however many arrive
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_MAX_REQUESTS", "0", "ROTOR_HEADER_TIMEOUT", "PT300S",
                                                    "ROTOR_MALFORMED_LOG_INTERVAL", "PT1H")).awaitReady()) {
            int logStart = p.output().length();
            List<String> wrong = new ArrayList<>();
            Map<Kind, Integer> expected = new EnumMap<>(Kind.class);
            for (Case k : corpus) {
                String answer = exchange(p.port(), k.raw());
                // the normal client on its own (kept-alive) connection, between every two cases
                if (Http.status(p.port(), "/") != 200) {
                    wrong.add(k.name() + ": the normal client was not served");
                }
                String[] responses = answer.split("(?=HTTP/1\\.1 )");
                String status = answer.length() >= 12 ? answer.substring(9, 12) : "";
                switch (k.outcome()) {
                    case CLOSED_UNANSWERED -> {
                        if (!answer.isEmpty()) {
                            wrong.add(k.name() + ": expected a close without an answer, got " + firstLine(answer));
                        }
                    }
                    case REFUSED, LIMIT -> {
                        if (!status.startsWith("4")) {
                            wrong.add(k.name() + ": expected a 4xx, got " + firstLine(answer));
                        } else if (responses.length != 1) {
                            wrong.add(k.name() + ": the request behind it was answered too");
                        } else if (!answer.contains("Connection: close")) {
                            wrong.add(k.name() + ": no Connection: close");
                        } else if (!answer.contains("{\"error\":\"") || !answer.contains("\"message\":\"")) {
                            wrong.add(k.name() + ": not the JSON error shape: " + answer);
                        } else if (k.says() != null && !answer.contains(k.says())) {
                            wrong.add(k.name() + ": expected it to say \"" + k.says() + "\": " + answer);
                        }
                        if (k.outcome() == Outcome.REFUSED) {
                            expected.merge(k.kind(), 1, Integer::sum);
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
            assertThat(wrong, is(empty()));
            for (Kind kind : Kind.values()) {
                assertThat(kind.tag(), metric(p.port(), "rotor_requests_malformed_total", "kind=" + kind.tag()),
                           is((double) expected.getOrDefault(kind, 0)));
            }
            String log = p.output().substring(logStart);
            List<String> loud = log.lines().filter(l -> l.contains(" SEVERE ") || l.contains(" WARNING ")).toList();
            assertThat(loud, is(empty()));
            assertThat(log.lines().filter(l -> l.contains("malformed request")).count(), is(1L));
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsNotUnderTheBodyDeadlineAfterAResponse() throws Exception {
        // the framing listener also sees response headers; a response with a body must not
        // start the body deadline on the idle connection (it used to: a 408 after body-timeout)
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_MAX_REQUESTS", "0", "ROTOR_BODY_TIMEOUT", "PT1S",
                                                    "ROTOR_HEADER_TIMEOUT", "PT300S")).awaitReady();
             java.net.Socket s = new java.net.Socket("127.0.0.1", p.port())) {
            s.setSoTimeout((int) PATIENCE.toMillis());
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                                                               java.nio.charset.StandardCharsets.ISO_8859_1));
            var out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(Http.readResponse(in).getFirst(), is("HTTP/1.1 200 OK"));
            // three body deadlines of idleness: the watchdog looks every 50 ms
            Thread.sleep(3_000);
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat("the same connection serves the next request", Http.readResponse(in).getFirst(), is("HTTP/1.1 200 OK"));
            assertThat(metric(p.port(), "rotor_wire_timeouts_total", "kind=body"), is(0.0));
        }
    }

    private static String firstLine(String answer) {
        return answer.isEmpty() ? "(nothing)" : answer.lines().findFirst().orElse("");
    }
}
