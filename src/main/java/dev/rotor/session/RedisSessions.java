package dev.rotor.session;

import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.redis.CircuitState;
import dev.rotor.redis.RedisScript;
import dev.rotor.redis.SharedRedis;
import dev.rotor.upstream.ChatMessage;
import dev.rotor.web.Jsons;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

/**
 * The Redis tier of the session store, through the replica's one {@link SharedRedis}.
 * A session is two keys with the same idle expiry, under the service's namespace: a hash
 * {@code rotor:<service>:session:{id}} (system prompt, created, last used) and a list
 * {@code rotor:<service>:session:{id}:messages} of JSON messages. The braces make both keys
 * one hash slot, so the scripts also run on a Redis Cluster. Reading, appending and saving
 * are single Lua scripts ({@code session_*.lua}): a read writes nothing (last uses and the idle
 * expiry are refreshed in batches by {@code session_touch.lua}), and appends from several replicas
 * at once all land, each as one block. (Before the namespace,
 * keys were {@code rotor:session:{id}}; sessions under those old keys are not read.)
 * Every method throws {@link dev.rotor.redis.RedisUnavailableException} when Redis is down.
 */
final class RedisSessions {
    private static final RedisScript READ = RedisScript.load(RedisSessions.class, "session_read.lua");
    private static final RedisScript APPEND = RedisScript.load(RedisSessions.class, "session_append.lua");
    private static final RedisScript SAVE = RedisScript.load(RedisSessions.class, "session_save.lua");
    private static final RedisScript TOUCH = RedisScript.load(RedisSessions.class, "session_touch.lua");

    /** While the circuit is open, how often a write that can wait is still tried. */
    static final Duration AWAY_RETRY = Duration.ofMillis(50);

    private final SharedRedis redis;
    private final AtomicLong nextTryWhileAway = new AtomicLong(System.nanoTime());
    private final String keyPrefix;
    private final long ttlMillis;
    private final int maxMessages;

    /**
     * @param redis       the shared client
     * @param namespace   the service's key prefix ({@code FleetConfig.redisNamespace()})
     * @param idleTtl     expiry of both keys after the last use
     * @param maxMessages most messages kept
     */
    RedisSessions(SharedRedis redis, String namespace, Duration idleTtl, int maxMessages) {
        this.redis = redis;
        this.keyPrefix = namespace + "session:";
        this.ttlMillis = idleTtl.toMillis();
        this.maxMessages = maxMessages;
    }

    /** Read without writing: last uses are written in batches by {@link #touchAll}. */
    Optional<Session> read(String id) {
        return decode(id, redis.run(READ, keys(id), List.of()));
    }

    /**
     * Mark sessions used and restart their idle expiry, one pipelined round trip for all;
     * sessions deleted meanwhile stay deleted.
     *
     * @param lastUsed session id -> its last use (epoch ms)
     */
    void touchAll(Map<String, Long> lastUsed) {
        List<RedisScript.Call> calls = new ArrayList<>(lastUsed.size());
        lastUsed.forEach((id, at) -> calls.add(new RedisScript.Call(keys(id), List.of(String.valueOf(at),
                                                                                     String.valueOf(ttlMillis)))));
        redis.runAll(TOUCH, calls);
    }

    /** @return the prefix of every session key, for tracking */
    String keyPrefix() {
        return keyPrefix;
    }

    Optional<Session> append(String id, List<ChatMessage> messages, Instant now) {
        List<String> args = new ArrayList<>(List.of(String.valueOf(now.toEpochMilli()), String.valueOf(ttlMillis),
                                                    String.valueOf(maxMessages)));
        messages.forEach(m -> args.add(encode(m)));
        return decode(id, redis.run(APPEND, keys(id), args));
    }

    void save(Session s) {
        // built only when the call is made: a dirty session is offered on every read while Redis is down
        redis.run(SAVE, keys(s.id()), () -> {
            List<String> args = new ArrayList<>(List.of(String.valueOf(ttlMillis),
                                                        String.valueOf(s.created().toEpochMilli()),
                                                        String.valueOf(s.lastUsed().toEpochMilli()),
                                                        s.system().orElse(""),
                                                        s.system().isPresent() ? "1" : "0"));
            s.messages().forEach(m -> args.add(encode(m)));
            return args;
        });
    }

    /**
     * Whether a write that can wait (a session changed in memory while Redis was down) should be
     * tried now: always while the circuit is not open; while it is, once per {@link #AWAY_RETRY},
     * so that the circuit's probe still happens and finds Redis back, while the reads meanwhile do
     * not each build a call that the circuit refuses.
     *
     * @return whether to try
     */
    boolean worthTrying() {
        if (redis.circuit().state() != CircuitState.OPEN) {
            return true;
        }
        long now = System.nanoTime();
        long next = nextTryWhileAway.get();
        return now - next >= 0 && nextTryWhileAway.compareAndSet(next, now + AWAY_RETRY.toNanos());
    }

    boolean delete(String id) {
        return redis.execute(j -> j.del(keys(id).toArray(String[]::new))) > 0;
    }

    private List<String> keys(String id) {
        String meta = keyPrefix + "{" + id + "}";
        return List.of(meta, meta + ":messages");
    }

    private static String encode(ChatMessage m) {
        return Jsons.PROVIDER.createObjectBuilder().add("role", m.role()).add("content", m.content()).build().toString();
    }

    @SuppressWarnings("unchecked")
    private static Optional<Session> decode(String id, Object reply) {
        if (!(reply instanceof List<?> parts) || parts.size() != 2) {
            return Optional.empty();
        }
        List<Object> flat = (List<Object>) parts.get(0);
        Map<String, String> meta = new java.util.HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            meta.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (Object raw : (List<Object>) parts.get(1)) {
            try (JsonReader r = Jsons.PROVIDER.createReader(new StringReader(String.valueOf(raw)))) {
                JsonObject o = r.readObject();
                messages.add(new ChatMessage(o.getString("role"), o.getString("content")));
            }
        }
        return Optional.of(new Session(id,
                                       Optional.ofNullable(meta.get("system")),
                                       messages,
                                       Instant.ofEpochMilli(Long.parseLong(meta.getOrDefault("created", "0"))),
                                       Instant.ofEpochMilli(Long.parseLong(meta.getOrDefault("lastUsed", "0")))));
    }
}
