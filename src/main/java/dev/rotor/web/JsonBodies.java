package dev.rotor.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;

/**
 * Reading JSON request bodies with bounds and exact errors: the content type must be JSON
 * (415), the body at most a given size (413, read no further), well-formed UTF-8 JSON (400),
 * an object (400) with only the known fields (400), each of the right type and size (400).
 */
public final class JsonBodies {
    private JsonBodies() {
    }

    /**
     * @param req       the request
     * @param maxBytes  largest body accepted
     * @param allowEmpty whether no body at all means {@code {}}
     * @param known     the accepted field names
     * @return the body object
     */
    public static JsonObject object(ServerRequest req, int maxBytes, boolean allowEmpty, Set<String> known) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] body = read(req, maxBytes);
        if (body.length == 0 && allowEmpty) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        Optional<String> type = req.headers().contentType().map(t -> t.mediaType().text());
        if (type.isEmpty() || !type.get().equalsIgnoreCase("application/json")) {
            throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported_media_type",
                                   "the body must be application/json, got " + type.orElse("no Content-Type"));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_json", "the body is not valid UTF-8");
        }
        JsonStructure parsed;
        try (JsonReader reader = Jsons.PROVIDER.createReader(new StringReader(text))) {
            parsed = reader.read();
        } catch (JsonParsingException e) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_json", "the body is not valid JSON: "
                    + e.getMessage());
        } catch (JsonException e) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_json", "the body is not valid JSON");
        }
        if (!(parsed instanceof JsonObject obj)) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_json", "the body must be a JSON object");
        }
        for (String field : obj.keySet()) {
            if (!known.contains(field)) {
                throw new ApiException(Status.BAD_REQUEST_400, "unknown_field", "unknown field \"" + abbreviate(field)
                        + "\"; accepted: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
        return obj;
    }

    /**
     * @param obj      the body
     * @param field    field name
     * @param maxChars longest accepted value, in characters
     * @return the non-blank string value, when present and not null
     */
    public static Optional<String> optionalString(JsonObject obj, String field, int maxChars) {
        JsonValue v = obj.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return Optional.empty();
        }
        if (!(v instanceof JsonString s)) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_field", field + " must be a string, got "
                    + v.getValueType().name().toLowerCase(java.util.Locale.ROOT));
        }
        String value = s.getString();
        if (value.isBlank()) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_field", field + " must not be blank");
        }
        int chars = value.codePointCount(0, value.length());
        if (chars > maxChars) {
            throw new ApiException(Status.BAD_REQUEST_400, "field_too_long", field + " has " + chars
                    + " characters; at most " + maxChars + " are accepted");
        }
        return Optional.of(value);
    }

    /**
     * @param obj      the body
     * @param field    field name
     * @param maxChars longest accepted value
     * @return the non-blank string value
     */
    public static String requiredString(JsonObject obj, String field, int maxChars) {
        return optionalString(obj, field, maxChars).orElseThrow(
                () -> new ApiException(Status.BAD_REQUEST_400, "missing_field", field + " is required"));
    }

    private static byte[] read(ServerRequest req, int maxBytes) {
        Optional<BufferedBody> buffered = req.context().get(BufferedBody.class);
        if (buffered.isPresent()) {
            byte[] body = buffered.get().bytes();
            if (body.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return body;
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ApiException tooLarge(int maxBytes) {
        return new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload_too_large",
                                "the body is larger than " + maxBytes + " bytes");
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
