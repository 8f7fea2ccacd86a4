package dev.rotor.diagnostics;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * A histogram of live objects by class, as {@code jcmd <pid> GC.class_histogram} prints it,
 * taken in-process through the DiagnosticCommand MBean. Taking one runs a full collection
 * (a stop-the-world pause), so it is taken twice per replica life at most.
 *
 * @param entries class name -> instances and bytes
 * @param pauseMillis how long taking it took (the pause it caused, in practice)
 */
public record ClassHistogram(Map<String, Entry> entries, long pauseMillis) {
    private static final Pattern LINE = Pattern.compile("\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*");

    /**
     * @param instances live instances
     * @param bytes     their shallow size
     */
    public record Entry(long instances, long bytes) {
    }

    /**
     * @return the histogram of live objects now
     * @throws IllegalStateException when the JVM has no DiagnosticCommand MBean
     */
    public static ClassHistogram take() {
        long start = System.nanoTime();
        String text;
        try {
            text = (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                            new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("class histogram unavailable: " + e.getMessage(), e);
        }
        long pause = (System.nanoTime() - start) / 1_000_000;
        return new ClassHistogram(parse(text), pause);
    }

    static Map<String, Entry> parse(String text) {
        Map<String, Entry> entries = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                entries.merge(m.group(3), new Entry(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
                              (a, b) -> new Entry(a.instances() + b.instances(), a.bytes() + b.bytes()));
            }
        }
        return entries;
    }
}
