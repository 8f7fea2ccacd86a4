package dev.rotor.session;

import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.rotor.redis.SharedRedis;
import dev.rotor.upstream.ChatMessage;
import dev.rotor.web.Jsons;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

/**
 * The Redis tier of the session store, through the replica's one {@link SharedRedis}.
 * A session is two keys with the same idle expiry: a hash {@code rotor:session:{id}}
 * (system prompt, created, last used) and a list {@code rotor:session:{id}:messages} of
 * JSON messages. The braces make both keys one hash slot, so the scripts also run on a
 * Redis Cluster. Reading and appending are single Lua scripts: a read refreshes the expiry
 * atomically, and appends from several replicas at once all land, each as one block.
 * Every method throws {@link dev.rotor.redis.RedisUnavailableException} when Redis is down.
 */
final class RedisSessions {
    // returns nil when the session is missing, else {hash fields..., messages...}
    private static final String READ = """
            local meta = redis.call('HGETALL', KEYS[1])
            if #meta == 0 then return false end
            redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            meta = redis.call('HGETALL', KEYS[1])
            return {meta, redis.call('LRANGE', KEYS[2], 0, -1)}
            """;
    // ARGV: lastUsed, ttl ms, max messages, message...
    private static final String APPEND = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return false end
            for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
            redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
            redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
            """;
    // ARGV: ttl ms, created, lastUsed, system or '', hasSystem '1'/'0', message...
    private static final String SAVE = """
            redis.call('DEL', KEYS[1], KEYS[2])
            redis.call('HSET', KEYS[1], 'created', ARGV[2], 'lastUsed', ARGV[3])
            if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'system', ARGV[4]) end
            for i = 6, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            if #ARGV >= 6 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
            return 1
            """;

    private final SharedRedis redis;
    private final long ttlMillis;
    private final int maxMessages;

    RedisSessions(SharedRedis redis, Duration idleTtl, int maxMessages) {
        this.redis = redis;
        this.ttlMillis = idleTtl.toMillis();
        this.maxMessages = maxMessages;
    }

    Optional<Session> readAndTouch(String id, Instant now) {
        Object reply = redis.execute(j -> j.eval(READ, keys(id), List.of(String.valueOf(now.toEpochMilli()),
                                                                          String.valueOf(ttlMillis))));
        return decode(id, reply);
    }

    Optional<Session> append(String id, List<ChatMessage> messages, Instant now) {
        List<String> args = new ArrayList<>(List.of(String.valueOf(now.toEpochMilli()), String.valueOf(ttlMillis),
                                                    String.valueOf(maxMessages)));
        messages.forEach(m -> args.add(encode(m)));
        return decode(id, redis.execute(j -> j.eval(APPEND, keys(id), args)));
    }

    void save(Session s) {
        List<String> args = new ArrayList<>(List.of(String.valueOf(ttlMillis),
                                                    String.valueOf(s.created().toEpochMilli()),
                                                    String.valueOf(s.lastUsed().toEpochMilli()),
                                                    s.system().orElse(""),
                                                    s.system().isPresent() ? "1" : "0"));
        s.messages().forEach(m -> args.add(encode(m)));
        redis.execute(j -> j.eval(SAVE, keys(s.id()), args));
    }

    boolean delete(String id) {
        return redis.execute(j -> j.del(keys(id).toArray(String[]::new))) > 0;
    }

    private static List<String> keys(String id) {
        String meta = "rotor:session:{" + id + "}";
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
