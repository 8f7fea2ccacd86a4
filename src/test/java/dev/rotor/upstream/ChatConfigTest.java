package dev.rotor.upstream;

import java.time.Duration;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.InvalidSettingException;
import dev.rotor.config.Settings;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChatConfigTest {
    private static ChatConfig chat(Map<String, String> env) {
        return ChatConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("chat"));
    }

    @Test
    void noKeyAndNoBaseUrlMeansTheEchoModel() {
        assertThat(chat(Map.of()).endpoint().isPresent(), is(false));
    }

    @Test
    void aKeyAloneSelectsTogetherAndABaseUrlWins() {
        assertThat(chat(Map.of("TOGETHER_API_KEY", "k")).endpoint().orElseThrow(), is(ChatConfig.TOGETHER));
        assertThat(chat(Map.of("TOGETHER_API_KEY", "k", "ROTOR_CHAT_BASE_URL", "http://localhost:9000/v1/"))
                           .endpoint().orElseThrow().toString(), is("http://localhost:9000/v1"));
    }

    @Test
    void theTimeoutAcceptsPlainSecondsAsThePythonStackDid() {
        assertThat(chat(Map.of("TOGETHER_API_TIMEOUT", "45")).timeout(), is(Duration.ofSeconds(45)));
        assertThat(chat(Map.of("TOGETHER_API_TIMEOUT", "1500ms")).timeout(), is(Duration.ofMillis(1500)));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                                                 () -> chat(Map.of("TOGETHER_API_TIMEOUT", "soon")));
        assertThat(e.getMessage(), containsString("TOGETHER_API_TIMEOUT"));
    }

    @Test
    void theKeyNeverShowsInItsTextForm() {
        ChatConfig c = chat(Map.of("TOGETHER_API_KEY", "sk-secret-123"));
        assertThat(c.toString(), not(containsString("sk-secret-123")));
        assertThat(c.toString(), containsString("apiKey=(set)"));
    }
}
