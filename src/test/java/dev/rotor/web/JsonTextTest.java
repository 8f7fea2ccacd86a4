package dev.rotor.web;

import java.io.StringReader;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class JsonTextTest {
    private static JsonObject parse(String json) {
        try (var reader = Jsons.PROVIDER.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }

    @Test
    void writesCompactJsonWithCommasOnlyBetweenMembers() {
        String json = new JsonText().beginObject()
                .name("id").value("abc")
                .name("system").nullValue()
                .name("n").value(-42)
                .name("list").beginArray()
                .beginObject().name("role").value("user").endObject()
                .beginObject().name("role").value("assistant").endObject()
                .endArray()
                .name("empty").beginArray().endArray()
                .endObject().toString();
        assertThat(json, is("{\"id\":\"abc\",\"system\":null,\"n\":-42,\"list\":[{\"role\":\"user\"},"
                + "{\"role\":\"assistant\"}],\"empty\":[]}"));
    }

    @Test
    void escapesWhatJsonRequiresAndReadsBackTheSameString() {
        String nasty = "quote \" backslash \\ newline \n tab \t cr \r nul \u0000 bell \u0007 del \u007f é 漢 😀 </script>";
        String json = new JsonText().beginObject().name("k\"ey").value(nasty).endObject().toString();
        assertThat(parse(json).getString("k\"ey"), is(nasty));
        assertThat(json.contains("\n"), is(false));
        // the same text parsson writes for the same value
        String parsson = Jsons.PROVIDER.createObjectBuilder().add("k\"ey", nasty).build().toString();
        assertThat(json, is(parsson));
    }
}
