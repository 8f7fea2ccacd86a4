package dev.rotor.support;

/**
 * Reading one sample from Prometheus text, whatever other labels (Helidon adds {@code scope})
 * the line carries.
 */
public final class MetricsText {
    private MetricsText() {
    }

    /**
     * @param text   the scrape
     * @param name   sample name, e.g. {@code rotor_outbound_connections}
     * @param labels {@code key=value} pairs the line must carry
     * @return the value, or NaN when no line matches
     */
    public static double value(String text, String name, String... labels) {
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                String[] kv = label.split("=", 2);
                all &= line.contains(kv[0] + "=\"" + kv[1] + "\"");
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }
}
