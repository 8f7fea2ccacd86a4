package dev.rotor.web;

import jakarta.json.spi.JsonProvider;

/**
 * The one JSON provider. Each static {@code Json.createXxx} call looks the provider up again
 * through the service loader; measured here, that made a session read that parses 20 stored
 * messages cost milliseconds. Hot paths use this instance instead.
 */
public final class Jsons {
    /** Looked up once. */
    public static final JsonProvider PROVIDER = JsonProvider.provider();

    private Jsons() {
    }
}
