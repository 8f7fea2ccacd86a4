/**
 * How a replica writes its log: the level from {@code LOG_LEVEL} (gunicorn's words too), the
 * format of every line on the root handlers ({@code text}, or one JSON object per line for log
 * pipelines), SLF4J routed into the same handlers (the {@code slf4j-jdk14} provider, so Jedis
 * and the AWS SDK are heard), and the optional access log, one line per public request.
 */
package dev.rotor.logging;
