package dev.rotor.monitoring;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The real AWS SDK publishing to a local server that answers like CloudWatch's Query protocol.
 * Region and credentials come through the SDK's system properties, never a real account.
 */
class CloudWatchPublisherTest {
    private static final String OK = "<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
            + "<ResponseMetadata><RequestId>d6a2c7b4-0000-4000-8000-000000000000</RequestId></ResponseMetadata>"
            + "</PutMetricDataResponse>";
    private static final String ERROR = "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
            + "<Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>stand-in failure</Message></Error>"
            + "<RequestId>e0000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>";

    @BeforeAll
    static void fakeAccount() {
        System.setProperty("aws.region", "eu-west-1");
        System.setProperty("aws.accessKeyId", "AKIATESTTESTTESTTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    @AfterAll
    static void noAccount() {
        System.clearProperty("aws.region");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static TestReplica replica(StandInServer endpoint, String timeout) {
        return TestReplica.start(Map.of("rotor.cloudwatch.namespace", "RotorTest",
                                        "rotor.cloudwatch.period", "PT0.2S",
                                        "rotor.cloudwatch.timeout", timeout,
                                        "rotor.cloudwatch.endpoint", endpoint.url(),
                                        "rotor.lifecycle.max-requests", "0"));
    }

    @Test
    void theKeyMetersArePublishedWithTheQueryProtocol() {
        try (StandInServer cloudWatch = StandInServer.start(req -> new Reply(200, Map.of("Content-Type", "text/xml"), OK,
                                                                             Duration.ZERO, false));
             TestReplica r = replica(cloudWatch, "PT5S")) {
            for (int i = 0; i < 5; i++) {
                assertThat(Http.status(r.port(), "/"), is(200));
            }
            // counters go as deltas: over all publishes, the Requests values add up to what was served
            Await.until("published Requests adding up to 5", Duration.ofSeconds(10),
                        () -> cloudWatch.requests().stream().mapToDouble(q -> value(q.body(), "Requests")).sum() == 5.0);
            StandInServer.Request put = cloudWatch.requests().get(0);
            assertThat(put.method(), is("POST"));
            assertThat(put.headers().get("content-type"), containsString("application/x-www-form-urlencoded"));
            assertThat(put.headers().get("authorization"), containsString("AKIATESTTESTTESTTEST/"));
            assertThat(put.headers().get("authorization"), containsString("/eu-west-1/monitoring/aws4_request"));
            String body = put.body();
            assertThat(body, containsString("Action=PutMetricData"));
            assertThat(body, containsString("Namespace=RotorTest"));
            for (String name : List.of("Requests", "Rotations", "Rejections", "SessionsActive", "HeapUsed")) {
                assertThat(body, containsString("MetricName=" + name));
            }
            assertThat(body, containsString("Dimensions.member.1.Name=Service"));
        }
    }

    private static double value(String form, String metric) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("MetricData\\.member\\.(\\d+)\\.MetricName=" + metric + "&")
                .matcher(form);
        if (!m.find()) {
            return 0;
        }
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("MetricData\\.member\\." + m.group(1) + "\\.Value=([^&]+)")
                .matcher(form);
        return v.find() ? Double.parseDouble(v.group(1)) : 0;
    }

    @Test
    void aHangingOrFailingEndpointNeverDelaysARequestAndIsLoggedOnce() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                if (rec.getLevel().intValue() >= Level.WARNING.intValue() && rec.getMessage().contains("CloudWatch")) {
                    warnings.add(rec.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("").addHandler(capture);
        // the stand-in holds every publish open until the requests below are done (the SDK's
        // own timeout is longer than the test client's): a publish on the request path would
        // keep a request from being answered at all
        CountDownLatch release = new CountDownLatch(1);
        try (StandInServer hanging = StandInServer.start(req -> {
                 awaitQuietly(release);
                 return Reply.json(200, OK);
             });
             TestReplica r = replica(hanging, "PT60S")) {
            try {
                Await.until("a publish is hanging", Duration.ofSeconds(10), () -> !hanging.requests().isEmpty());
                for (int i = 0; i < 20; i++) {
                    assertThat("request " + i, Http.status(r.port(), "/"), is(200));
                }
                assertThat("every request was answered while the publish was still held", release.getCount(), is(1L));
            } finally {
                release.countDown();
            }
        }
        try (StandInServer failing = StandInServer.start(req -> new Reply(500, Map.of("Content-Type", "text/xml"), ERROR,
                                                                          Duration.ZERO, false));
             TestReplica r = replica(failing, "PT1S")) {
            warnings.clear();
            // standard mode retries: 3 attempts per publish; wait for a few publishes
            Await.until("several failed publishes", Duration.ofSeconds(15), () -> failing.requests().size() >= 9);
            assertThat(Http.status(r.port(), "/"), is(200));
            assertThat("one warning for the transition, not one per failure: " + warnings, warnings.size(), is(1));
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
    }

    /** Bounded: a stand-in thread never outlives the test by more than a minute. */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
