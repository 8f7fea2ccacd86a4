package dev.rotor.support;

import java.io.StringReader;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

/**
 * Parsing response bodies in tests.
 */
public final class Json {
    private Json() {
    }

    /**
     * @param body a JSON object as text
     * @return the object
     */
    public static JsonObject object(String body) {
        try (JsonReader r = jakarta.json.Json.createReader(new StringReader(body))) {
            return r.readObject();
        }
    }
}
