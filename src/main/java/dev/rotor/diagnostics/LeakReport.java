package dev.rotor.diagnostics;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.rotor.lifecycle.RotationCause;

/**
 * Evidence of what leaks, left by every rotation: a class histogram taken once the replica
 * has warmed up, another when draining begins, and the classes that grew most in between
 * (by bytes, with instance counts), logged with the rotation's cause and served at
 * {@code /observe/replica/report}. Two histograms per replica life, each timed, at most.
 */
public final class LeakReport {
    private static final System.Logger LOG = System.getLogger(LeakReport.class.getName());

    private final String replicaId;
    private final int top;
    private final Supplier<ClassHistogram> histograms;
    private final Clock clock;
    private volatile ClassHistogram baseline;
    private volatile Instant baselineAt;
    private volatile Optional<Report> report = Optional.empty();

    /**
     * @param cause          why the replica rotated
     * @param baselineAt     when the warm-up histogram was taken (null when the replica rotated before warm-up)
     * @param takenAt        when the drain histogram was taken
     * @param baselinePauseMs pause of the first histogram
     * @param pauseMs        pause of the second histogram
     * @param growers        the classes that grew most, largest first
     * @param suspects       the same, outside the JDK: arrays and JDK collections grow with whatever
     *                       holds them, so the application classes among the growers are where to look
     */
    public record Report(RotationCause cause, Instant baselineAt, Instant takenAt, long baselinePauseMs, long pauseMs,
                         List<Growth> growers, List<Growth> suspects) {
    }

    /**
     * @param className   class
     * @param instances   live instances at the drain
     * @param bytes       their bytes at the drain
     * @param instancesGrowth growth since warm-up
     * @param bytesGrowth     growth since warm-up
     */
    public record Growth(String className, long instances, long bytes, long instancesGrowth, long bytesGrowth) {
    }

    /**
     * @param replicaId  for the log
     * @param top        how many classes to report
     * @param histograms takes a histogram ({@link ClassHistogram#take} in production)
     * @param clock      wall clock
     */
    public LeakReport(String replicaId, int top, Supplier<ClassHistogram> histograms, Clock clock) {
        this.replicaId = replicaId;
        this.top = top;
        this.histograms = histograms;
        this.clock = clock;
    }

    /**
     * Take the warm-up histogram (once).
     */
    public void takeBaseline() {
        if (baseline != null) {
            return;
        }
        baseline = histograms.get();
        baselineAt = clock.instant();
        LOG.log(Level.INFO, "replica " + replicaId + " leak report baseline: " + baseline.entries().size()
                + " classes, histogram pause " + baseline.pauseMillis() + " ms");
    }

    /**
     * Take the drain histogram and compute the report (once).
     *
     * @param cause why the replica rotates
     * @return the report
     */
    public Report onDrain(RotationCause cause) {
        if (report.isPresent()) {
            return report.get();
        }
        ClassHistogram now = histograms.get();
        Map<String, ClassHistogram.Entry> before = baseline == null ? Map.of() : baseline.entries();
        List<Growth> all = now.entries().entrySet().stream()
                .map(e -> {
                    ClassHistogram.Entry b = before.getOrDefault(e.getKey(), new ClassHistogram.Entry(0, 0));
                    return new Growth(e.getKey(), e.getValue().instances(), e.getValue().bytes(),
                                      e.getValue().instances() - b.instances(), e.getValue().bytes() - b.bytes());
                })
                .filter(g -> g.bytesGrowth() > 0)
                .sorted(Comparator.comparingLong(Growth::bytesGrowth).reversed())
                .toList();
        List<Growth> growers = all.stream().limit(top).toList();
        List<Growth> suspects = all.stream().filter(g -> !isInfrastructure(g.className())).limit(top).toList();
        Report r = new Report(cause, baselineAt, clock.instant(), baseline == null ? 0 : baseline.pauseMillis(),
                              now.pauseMillis(), growers, suspects);
        report = Optional.of(r);
        StringBuilder line = new StringBuilder("replica " + replicaId + " leak report (rotation cause "
                + cause.name().toLowerCase(Locale.ROOT) + ", histogram pause " + now.pauseMillis() + " ms): ");
        if (baseline == null) {
            line.append("no warm-up baseline (rotated before warm-up); largest classes: ");
        } else {
            line.append("grew most since warm-up ").append(Duration.between(baselineAt, r.takenAt()).toSeconds())
                    .append("s ago: ");
        }
        append(line, growers);
        line.append(". Application classes among them: ");
        append(line, suspects);
        LOG.log(Level.INFO, line.toString());
        return r;
    }

    private static void append(StringBuilder line, List<Growth> growths) {
        if (growths.isEmpty()) {
            line.append("none");
        }
        for (int i = 0; i < Math.min(5, growths.size()); i++) {
            Growth g = growths.get(i);
            line.append(i == 0 ? "" : "; ").append(g.className()).append(" +").append(g.instancesGrowth())
                    .append(" objects +").append(String.format(Locale.ROOT, "%.1f", g.bytesGrowth() / 1048576.0))
                    .append(" MiB");
        }
    }

    static boolean isInfrastructure(String name) {
        // the baseline histogram itself is live data of ours; it is measurement, not a suspect
        return name.startsWith(ClassHistogram.class.getName()) || name.startsWith(LeakReport.class.getName())
                || name.startsWith("[") || name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("com.sun.");
    }

    /** @return whether the warm-up histogram has been taken */
    public boolean baselineTaken() {
        return baseline != null;
    }

    /** @return the report of this replica's rotation, once draining has begun */
    public Optional<Report> report() {
        return report;
    }
}
