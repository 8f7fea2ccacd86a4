package dev.rotor.upstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.rotor.web.Jsons;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.apache.http.HttpHeaders;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;

/**
 * An OpenAI-compatible chat completion upstream ({@code POST {base}/chat/completions}):
 * Together AI, or any server {@code ROTOR_CHAT_BASE_URL} names. Calls go through the shared
 * {@link OutboundClient}, bounded by the chat timeout. The key travels only in the
 * {@code Authorization} header: messages and metrics name the upstream as {@code chat}. Each
 * call carries the request's {@code X-Request-ID} and the client's trace context ({@link Correlation}).
 */
public final class OpenAiChatModel implements ChatModel {
    static final String UPSTREAM = "chat";

    private final OutboundClient http;
    private final ChatConfig config;
    private final UpstreamMetrics metrics;
    private final URI completions;

    /**
     * @param http    the shared outbound client
     * @param config  chat settings; {@code config.endpoint()} must be present
     * @param metrics where errors are counted
     */
    public OpenAiChatModel(OutboundClient http, ChatConfig config, UpstreamMetrics metrics) {
        this.http = http;
        this.config = config;
        this.metrics = metrics;
        this.completions = URI.create(config.endpoint().orElseThrow() + "/chat/completions");
    }

    @Override
    public ChatReply complete(List<ChatMessage> messages, java.time.Duration budget, Correlation caller) {
        JsonArrayBuilder array = Jsons.PROVIDER.createArrayBuilder();
        messages.forEach(m -> array.add(Jsons.PROVIDER.createObjectBuilder().add("role", m.role()).add("content", m.content())));
        byte[] body = Jsons.PROVIDER.createObjectBuilder()
                .add("model", config.model())
                .add("messages", array)
                .add("max_tokens", config.maxTokens())
                .build().toString().getBytes(StandardCharsets.UTF_8);
        HttpPost post = new HttpPost(completions);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        post.setHeader(HttpHeaders.ACCEPT, "application/json");
        config.apiKey().ifPresent(key -> post.setHeader(HttpHeaders.AUTHORIZATION, "Bearer " + key));
        caller.applyTo(post);
        OutboundClient.Response response = http.exchange(UPSTREAM, post, budget);
        UpstreamFailures.check(UPSTREAM, response, metrics);
        return parse(response.body());
    }

    private ChatReply parse(byte[] body) {
        JsonObject root = UpstreamFailures.jsonObject(UPSTREAM, body, metrics);
        try {
            JsonObject message = root.getJsonArray("choices").getJsonObject(0).getJsonObject("message");
            JsonValue content = message.get("content");
            if (!(content instanceof JsonString text)) {
                throw UpstreamFailures.badResponse(UPSTREAM, "choices[0].message.content is not a string", metrics);
            }
            JsonValue model = root.get("model");
            return new ChatReply(text.getString(), model instanceof JsonString m ? m.getString() : config.model());
        } catch (NullPointerException | ClassCastException | IndexOutOfBoundsException e) {
            throw UpstreamFailures.badResponse(UPSTREAM, "no choices[0].message.content", metrics);
        }
    }

    @Override
    public String describe() {
        URI base = config.endpoint().orElseThrow();
        // scheme, host, port and path only: a URL may carry user:password
        return "OpenAI-compatible upstream at " + base.getScheme() + "://" + base.getHost()
                + (base.getPort() < 0 ? "" : ":" + base.getPort()) + base.getPath() + ", model " + config.model()
                + ", timeout " + config.timeout() + ", key " + (config.apiKey().isPresent() ? "set" : "not set");
    }
}
