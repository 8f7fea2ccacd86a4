package dev.rotor.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.config.EnvOverrides;

/**
 * The built jar run as a real subprocess, as an operator would run it: {@code java -jar
 * target/rotor.jar} with environment variables. Output goes to a file the test can read;
 * the process is stopped by its own PID when the test ends.
 *
 * <p>Unless the test gives a {@code PORT}, the replica binds port 0 and {@link #port()} reads
 * the port it got from its log (Helidon's {@code http://127.0.0.1:PORT bound for socket
 * '@default'}): a port picked by the test and freed before the child binds it can be taken
 * in between by a suite running in parallel.
 */
public final class JarProcess implements AutoCloseable {
    private static final Pattern BOUND = Pattern.compile("http://[^\\s]+:(\\d+) bound for socket '@default'");

    private final Process process;
    private final Path log;
    private volatile int port;

    private JarProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * @param env environment for the replica; {@code PORT=0} (any free port) unless given
     * @return the started process (not yet necessarily listening)
     */
    public static JarProcess start(Map<String, String> env) {
        return start(env, List.of("-Xmx128m"));
    }

    /**
     * @param env     environment for the replica; {@code PORT=0} (any free port) unless given
     * @param jvmArgs JVM options placed before {@code -jar}
     * @return the started process
     */
    public static JarProcess start(Map<String, String> env, List<String> jvmArgs) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar().toString()));
        return launch(command, env);
    }

    /**
     * The replica as the README starts it: a script of the project (such as {@code bin/run},
     * which execs the JVM, so the PID is the replica's) in the project's folder.
     *
     * @param script the script, relative to the project folder
     * @param env    environment for the replica; {@code PORT=0} (any free port) unless given
     * @return the started process
     */
    public static JarProcess script(String script, Map<String, String> env) {
        return launch(List.of(Path.of(script).toAbsolutePath().toString()), env);
    }

    /**
     * Any command that runs the replica (a shell that supervises the JVM, for instance), in a
     * temporary folder without application.yaml.
     *
     * @param command the program and its arguments
     * @param env     environment for the replica; {@code PORT=0} (any free port) unless given
     * @return the started process
     */
    public static JarProcess command(List<String> command, Map<String, String> env) {
        return launch(command, env);
    }

    /** @return the java launcher of the JVM that runs the tests */
    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * A single-file Java program run against the built jar, as a user runs the examples:
     * {@code java -cp target/rotor.jar examples/hello/HelloRotor.java}.
     *
     * @param program the source file, relative to the project folder
     * @param env     environment; PORT is added (a free port) unless given
     * @return the started process
     */
    public static JarProcess source(Path program, Map<String, String> env) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return launch(List.of(java, "-Xmx128m", "-cp", jar().toAbsolutePath().toString(),
                              program.toAbsolutePath().toString()), env);
    }

    private static JarProcess launch(List<String> command, Map<String, String> env) {
        try {
            Map<String, String> all = new HashMap<>(env);
            // 0: the replica binds a free port itself and logs it (see port())
            int port = Integer.parseInt(all.getOrDefault("PORT", "0"));
            all.put("PORT", String.valueOf(port));
            all.putIfAbsent("ROTOR_HOST", "127.0.0.1");
            Path log = Files.createTempFile("rotor-it-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    // a directory without application.yaml: the jar's own copy is used
                    // (scripts change to the project folder themselves)
                    .directory(log.getParent().toFile());
            // every documented variable, not only ROTOR_*: a developer's exported TOGETHER_API_KEY
            // or REDIS_URL must not reach the replica under test
            builder.environment().keySet().removeIf(k -> k.startsWith("ROTOR_") || EnvOverrides.KEYS.containsKey(k)
                    || EnvOverrides.ALIASES.containsKey(k) || EnvOverrides.WORKER_VARIABLES.contains(k));
            builder.environment().putAll(all);
            return new JarProcess(builder.start(), log, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A port that was free a moment ago. Racy when given to another process, which binds it
     * later: only for servers that must keep one port across restarts (Redis), whose start
     * can retry with another.
     *
     * @return the port
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the jar under test */
    public static Path jar() {
        return Path.of(System.getProperty("rotor.jar", "target/rotor.jar"));
    }

    /**
     * Wait until {@code /observe/health/ready} answers 200.
     *
     * @return this
     */
    public JarProcess awaitReady() {
        return awaitReady(Duration.ofSeconds(30));
    }

    /**
     * Wait until {@code /observe/health/ready} answers 200.
     *
     * @param patience how long the start may take (bin/run trains its startup cache first)
     * @return this
     */
    public JarProcess awaitReady(Duration patience) {
        int port = port(patience);
        Await.until("replica ready on port " + port + "; log:\n" + output(), patience,
                    () -> !process.isAlive() || Http.status(port, "/observe/health/ready") == 200);
        if (!process.isAlive()) {
            throw new AssertionError("replica exited with " + process.exitValue() + " before it was ready:\n" + output());
        }
        return this;
    }

    /**
     * The public port: the one the test gave, else the one the replica reported binding
     * (waits for that line of its log).
     *
     * @return public port
     */
    public int port() {
        return port(Duration.ofSeconds(30));
    }

    private int port(Duration patience) {
        if (port > 0) {
            return port;
        }
        Await.until("the replica to log its port", patience,
                    () -> boundPort().isPresent() || !process.isAlive());
        port = boundPort().orElseThrow(() -> new AssertionError("replica exited with " + process.exitValue()
                + " before binding a port:\n" + output()));
        return port;
    }

    private java.util.OptionalInt boundPort() {
        Matcher m = BOUND.matcher(output());
        return m.find() ? java.util.OptionalInt.of(Integer.parseInt(m.group(1))) : java.util.OptionalInt.empty();
    }

    /** @return the process id */
    public long pid() {
        return process.pid();
    }

    /** Send SIGKILL, as an OOM kill or a node failure would. */
    public void sigkill() {
        process.destroyForcibly();
    }

    /**
     * @param signal {@code QUIT}, {@code INT}, ... sent to this process by its PID
     */
    public void signal(String signal) {
        Signals.send(process, signal);
    }

    /** Send SIGTERM. */
    public void sigterm() {
        process.destroy();
    }

    /**
     * @param timeout how long to wait
     * @return the exit status
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("replica still running after " + timeout + ":\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** @return whether the process still runs */
    public boolean alive() {
        return process.isAlive();
    }

    /** @return everything the process printed so far */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        // a supervising script's JVM first: killing only the script would orphan it
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file; the OS cleans it up
        }
    }
}
