package dev.rotor.upstream;

/**
 * One message of a conversation, as the OpenAI chat API names its parts.
 *
 * @param role    {@code system}, {@code user} or {@code assistant}
 * @param content the text
 */
public record ChatMessage(String role, String content) {
    /** Role of the session's instructions. */
    public static final String SYSTEM = "system";
    /** Role of what the caller wrote. */
    public static final String USER = "user";
    /** Role of the model's replies. */
    public static final String ASSISTANT = "assistant";
}
