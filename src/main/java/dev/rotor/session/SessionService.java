package dev.rotor.session;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.rotor.upstream.ChatMessage;
import dev.rotor.upstream.ChatModel;
import dev.rotor.upstream.Correlation;
import dev.rotor.web.ApiException;
import dev.rotor.web.JsonBodies;
import dev.rotor.web.JsonText;
import dev.rotor.web.Jsons;
import dev.rotor.web.MethodNotAllowed;
import dev.rotor.web.SegmentPath;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.JsonObject;

/**
 * {@code /api/sessions}: chat sessions that survive rotation when Redis is configured.
 * <pre>
 * curl -s -XPOST localhost:8080/api/sessions -H 'Content-Type: application/json' -d '{"system":"Be brief."}'
 * curl -s localhost:8080/api/sessions/$ID
 * curl -s -XPOST localhost:8080/api/sessions/$ID/messages -H 'Content-Type: application/json' -d '{"content":"Hi"}'
 * curl -s -XDELETE localhost:8080/api/sessions/$ID
 * </pre>
 */
public final class SessionService implements HttpService {
    private static final int ID_LENGTH = 32;
    private static final SegmentPath ID = SegmentPath.named("id");

    private final SessionStore store;
    private final ChatModel chat;
    private final SessionLocks locks = new SessionLocks();
    private final Duration lockWait;

    /**
     * @param store    the session store
     * @param chat     the chat model
     * @param lockWait longest wait behind another message to the same session (the chat timeout:
     *                 the message ahead is answered or failed by then)
     */
    public SessionService(SessionStore store, ChatModel chat, Duration lockWait) {
        this.store = store;
        this.chat = chat;
        this.lockWait = lockWait;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .any("/", MethodNotAllowed.allowing("POST"))
                // "/{id}" without Helidon's regular expression: the read is the hot path
                .route(Method.GET, ID, this::read)
                .route(Method.DELETE, ID, this::delete)
                .route(method -> true, ID, MethodNotAllowed.allowing("GET, DELETE"))
                .post("/{id}/messages", this::post)
                .any("/{id}/messages", MethodNotAllowed.allowing("POST"));
    }

    private void create(ServerRequest req, ServerResponse res) {
        SessionConfig c = store.config();
        JsonObject body = JsonBodies.object(req, c.maxBodyBytes(), true, Set.of("system"));
        Session s = store.create(JsonBodies.optionalString(body, "system", c.maxMessageChars()));
        res.status(Status.CREATED_201)
                .header(HeaderNames.LOCATION, "/api/sessions/" + s.id());
        JsonText.send(res, json(s));
    }

    private void read(ServerRequest req, ServerResponse res) {
        String id = id(req);
        JsonText.send(res, json(store.find(id).orElseThrow(() -> notFound(id))));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        String id = id(req);
        if (!store.delete(id)) {
            throw notFound(id);
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private void post(ServerRequest req, ServerResponse res) throws Exception {
        String id = id(req);
        SessionConfig c = store.config();
        JsonObject body = JsonBodies.object(req, c.maxBodyBytes(), false, Set.of("content"));
        ChatMessage user = new ChatMessage(ChatMessage.USER, JsonBodies.requiredString(body, "content", c.maxMessageChars()));
        // one budget for the whole message: queueing behind the session's earlier message, the
        // connection wait and the upstream call together end by the chat timeout
        long start = System.nanoTime();
        AutoCloseable held = locks.lock(id, lockWait);
        Duration left = lockWait.minusNanos(System.nanoTime() - start);
        if (held != null && left.toMillis() < 1) {
            held.close();
            held = null;
        }
        AutoCloseable lock = held;
        if (lock == null) {
            throw new ApiException(Status.SERVICE_UNAVAILABLE_503, "session_busy", "session " + id
                    + " is still answering an earlier message after " + lockWait + "; try again", Duration.ofSeconds(1));
        }
        try (lock) {
            Session session = store.find(id).orElseThrow(() -> notFound(id));
            ChatModel.ChatReply reply = chat.complete(session.prompt(user, c.history()), left, Correlation.of(req, res));
            ChatMessage assistant = new ChatMessage(ChatMessage.ASSISTANT, reply.content());
            // user message and reply are stored together, only once the reply exists: a failed
            // upstream call leaves the session as it was, so the client can simply retry
            Session after = store.append(id, List.of(user, assistant)).orElseThrow(() -> notFound(id));
            res.send(Jsons.PROVIDER.createObjectBuilder()
                             .add("id", id)
                             .add("reply", message(assistant))
                             .add("model", reply.model())
                             .add("messages", after.messages().size())
                             .build());
        }
    }

    private static String id(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        if (!isId(id)) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_session_id",
                                   "a session id is 32 lower-case hex digits, as POST /api/sessions returns it");
        }
        return id;
    }

    /** {@code [0-9a-f]{32}}, checked by hand: the regular expression was ~3% of a session read's CPU samples. */
    private static boolean isId(String id) {
        if (id.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < ID_LENGTH; i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static ApiException notFound(String id) {
        return new ApiException(Status.NOT_FOUND_404, "session_not_found", "no session " + id
                + " (it never existed, was deleted, or expired after being idle)");
    }

    /** The session as its routes answer it, written directly (the session read is a hot path). */
    static byte[] json(Session s) {
        JsonText json = new JsonText().beginObject().name("id").value(s.id()).name("system");
        Optional<String> system = s.system();
        if (system.isPresent()) {
            json.value(system.get());
        } else {
            json.nullValue();
        }
        json.name("created").value(s.created())
                .name("lastUsed").value(s.lastUsed())
                .name("messages").beginArray();
        for (ChatMessage m : s.messages()) {
            json.beginObject().name("role").value(m.role()).name("content").value(m.content()).endObject();
        }
        return json.endArray().endObject().toBytes();
    }

    private static JsonObject message(ChatMessage m) {
        return Jsons.PROVIDER.createObjectBuilder().add("role", m.role()).add("content", m.content()).build();
    }
}
