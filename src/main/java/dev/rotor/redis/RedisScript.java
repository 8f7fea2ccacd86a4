package dev.rotor.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run atomically inside Redis, loaded from a {@code .lua} resource. Every script
 * of the service is one of these and runs through {@link SharedRedis#run}: sent by its SHA-1
 * ({@code EVALSHA}), so that a call costs one short round trip; when Redis does not know the
 * script (it restarted, failed over, or {@code SCRIPT FLUSH}), it is sent whole once with
 * {@code EVAL}, which also caches it, and the caller never sees the {@code NOSCRIPT} error.
 */
public final class RedisScript {
    private final String name;
    private final String source;
    private final String sha;

    private RedisScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    /**
     * @param owner    the class whose package holds the script
     * @param resource the script's file name next to {@code owner}, e.g. {@code rate_lease.lua}
     * @return the script
     * @throws IllegalStateException when the resource is missing (a packaging bug: fail at class load)
     */
    public static RedisScript load(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("script " + resource + " next to " + owner.getName()
                                                        + " is missing from the jar");
            }
            return new RedisScript(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the SHA-1 that {@code EVALSHA} names the script by */
    public String sha() {
        return sha;
    }

    /**
     * @param jedis a pooled connection
     * @param keys  KEYS
     * @param args  ARGV
     * @return the script's reply
     */
    Object run(Jedis jedis, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(source, keys, args);
        }
    }

    /**
     * One call of a script in a batch ({@link SharedRedis#runAll}).
     *
     * @param keys KEYS
     * @param args ARGV
     */
    public record Call(List<String> keys, List<String> args) {
    }

    List<Object> runAll(Jedis jedis, List<Call> calls) {
        Pipeline pipeline = jedis.pipelined();
        pipeline.sendCommand(Protocol.Command.SCRIPT, "LOAD", source);
        List<Response<Object>> replies = new ArrayList<>(calls.size());
        for (Call call : calls) {
            replies.add(pipeline.evalsha(sha, call.keys(), call.args()));
        }
        pipeline.sync();
        List<Object> out = new ArrayList<>(calls.size());
        for (Response<Object> reply : replies) {
            out.add(reply.get());
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " (" + sha + ")";
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
