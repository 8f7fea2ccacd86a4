import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** SVG plots of a run, written without any tool: RSS per replica, latency per second. */
final class Plots {
    private Plots() {
    }

    static void rss(Path file, String title, Run run, double seconds, long limitMiB) throws IOException {
        List<Slot> slots = run.slots;
        double maxY = Math.max(limitMiB * 1.1, slots.stream().mapToDouble(s -> s.peakRssMiB).max().orElse(100) * 1.1);
        Svg svg = new Svg(title, seconds, maxY, "seconds", "RSS (MiB)");
        String[] colours = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
        for (Slot s : slots) {
            svg.line(s.rss, colours[s.index % colours.length], "replica " + s.index);
        }
        List<Events.Event> marks = new ArrayList<>(run.replicaEvents());
        marks.addAll(run.events.of("oom-kill"));
        for (Events.Event e : marks) {
            if (e.kind().equals("draining") || e.kind().equals("oom-kill")) {
                svg.marker(e.t(), colours[e.slot() % colours.length], e.kind().equals("oom-kill") ? "OOM" : "");
            }
        }
        if (limitMiB > 0) {
            svg.hline(limitMiB, "#000000", "memory limit " + limitMiB + " MiB");
        }
        Files.writeString(file, svg.toString());
    }

    static void latency(Path file, String title, Run run, Recorder r, double seconds) throws IOException {
        int buckets = (int) Math.ceil(seconds) + 1;
        List<List<Integer>> perSecond = new ArrayList<>();
        for (int i = 0; i < buckets; i++) {
            perSecond.add(new ArrayList<>());
        }
        double start = r.size() == 0 ? 0 : r.at[0];
        for (int i = 0; i < r.size(); i++) {
            int b = (int) (r.at[i] - start);
            if (b >= 0 && b < buckets) {
                perSecond.get(b).add(r.micros[i]);
            }
        }
        List<double[]> p50 = new ArrayList<>();
        List<double[]> p99 = new ArrayList<>();
        double maxY = 1;
        for (int i = 0; i < buckets; i++) {
            List<Integer> l = perSecond.get(i);
            if (l.isEmpty()) {
                continue;
            }
            Collections.sort(l);
            double a = l.get(Math.max(0, (int) Math.ceil(0.5 * l.size()) - 1)) / 1000.0;
            double b = l.get(Math.max(0, (int) Math.ceil(0.99 * l.size()) - 1)) / 1000.0;
            p50.add(new double[] {start + i, a});
            p99.add(new double[] {start + i, b});
            maxY = Math.max(maxY, b);
        }
        Svg svg = new Svg(title, start + seconds, maxY * 1.1, "seconds", "latency (ms)");
        svg.line(p50, "#1f77b4", "p50 per second");
        svg.line(p99, "#d62728", "p99 per second");
        for (Events.Event e : run.replicaEvents()) {
            if (e.kind().equals("draining")) {
                svg.marker(e.t(), "#999999", "");
            }
        }
        Files.writeString(file, svg.toString());
    }

    /** A minimal line chart. */
    static final class Svg {
        static final int W = 900;
        static final int H = 420;
        static final int L = 70;
        static final int R = 20;
        static final int T = 40;
        static final int B = 50;
        final double maxX;
        final double maxY;
        final StringBuilder body = new StringBuilder();
        final List<String> legend = new ArrayList<>();

        Svg(String title, double maxX, double maxY, String xLabel, String yLabel) {
            this.maxX = Math.max(1, maxX);
            this.maxY = Math.max(1e-9, maxY);
            body.append(String.format(Locale.ROOT, "<text x='%d' y='24' font-size='16'>%s</text>", L, esc(title)));
            body.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>",
                                      L, T, W - L - R, H - T - B));
            for (int i = 0; i <= 5; i++) {
                double y = maxY * i / 5;
                body.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%.0f</text>",
                                          L - 6, py(y) + 4, y));
                double x = this.maxX * i / 5;
                body.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%.0f</text>",
                                          px(x), H - B + 16, x));
            }
            body.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12' text-anchor='middle'>%s</text>",
                                      (W + L) / 2, H - 10, esc(xLabel)));
            body.append(String.format(Locale.ROOT, "<text x='16' y='%d' font-size='12' transform='rotate(-90 16 %d)' "
                                              + "text-anchor='middle'>%s</text>", (H) / 2, H / 2, esc(yLabel)));
        }

        double px(double x) {
            return L + (W - L - R) * x / maxX;
        }

        double py(double y) {
            return H - B - (H - T - B) * Math.min(y, maxY) / maxY;
        }

        void line(List<double[]> points, String colour, String label) {
            if (points.isEmpty()) {
                return;
            }
            StringBuilder d = new StringBuilder();
            for (double[] p : points) {
                d.append(d.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px(p[0]), py(p[1])));
            }
            body.append("<path d='").append(d).append("' fill='none' stroke='").append(colour).append("' stroke-width='1.5'/>");
            legend.add("<tspan fill='" + colour + "'>" + esc(label) + "</tspan>");
        }

        void marker(double x, String colour, String label) {
            body.append(String.format(Locale.ROOT, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='%s' stroke-dasharray='3 3' "
                                              + "stroke-width='0.8'/>", px(x), px(x), T, H - B, colour));
            if (!label.isEmpty()) {
                body.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='10' fill='%s'>%s</text>",
                                          px(x) + 2, T + 12, colour, esc(label)));
            }
        }

        void hline(double y, String colour, String label) {
            body.append(String.format(Locale.ROOT, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='%s' stroke-width='1.2'/>",
                                      L, W - R, py(y), py(y), colour));
            legend.add("<tspan fill='" + colour + "'>" + esc(label) + "</tspan>");
        }

        static String esc(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;");
        }

        @Override
        public String toString() {
            return "<svg xmlns='http://www.w3.org/2000/svg' width='" + W + "' height='" + H + "' font-family='sans-serif'>"
                    + "<rect width='100%' height='100%' fill='white'/>" + body
                    + "<text x='" + (L + 8) + "' y='" + (T + 16) + "' font-size='12'>" + String.join("   ", legend)
                    + "</text></svg>\n";
        }
    }
}
