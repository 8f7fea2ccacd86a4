package dev.rotor.diagnostics;

import java.lang.management.ManagementFactory;
import java.util.Optional;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Which JIT compilers this JVM runs, as the launchers chose them ({@code ROTOR_JIT}, see
 * deploy/image/jit.sh): quick (C1 only) for a replica with a quota, full (C1 then C2) for one
 * that lives long. The choice is made before the JVM starts, from the environment; a quota set
 * only in application.yaml is not seen there, so the replica checks the pair itself.
 */
public enum Jit {
    /** C1 only ({@code -XX:TieredStopAtLevel=1}, or tiered compilation off with C1). */
    QUICK,
    /** C1 then C2, the JVM's default. */
    FULL,
    /** Not a HotSpot JVM, or one that does not say. */
    UNKNOWN;

    /**
     * Quotas above this are long lives, for which the full JIT pays (the same bound as
     * deploy/image/jit.sh).
     */
    public static final long LONG_LIFE = 100_000;

    /**
     * @return the JIT of this JVM
     */
    public static Jit current() {
        Optional<String> level = vmOption("TieredStopAtLevel");
        Optional<String> tiered = vmOption("TieredCompilation");
        return level.isPresent() && tiered.isPresent() ? of(level.get(), tiered.get()) : UNKNOWN;
    }

    /**
     * @return whether this JVM compiles early what its AOT cache's training run compiled
     *         ({@code -XX:+AOTCompileEagerly} with {@code -XX:AOTCache}, JDK 25; deploy/image/jit.sh
     *         adds it for the quick JIT); false on a JVM without these options
     */
    public static boolean compilesEarly() {
        return compilesEarly(vmOption("AOTCompileEagerly").orElse("false"), vmOption("AOTCache").orElse(""));
    }

    /** @return a HotSpot option's value; empty on a JVM without the option (or not HotSpot) */
    private static Optional<String> vmOption(String name) {
        try {
            return Optional.of(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue());
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    /**
     * @param eagerly the value of {@code AOTCompileEagerly}
     * @param cache   the value of {@code AOTCache}
     * @return whether there is training data to compile early from
     */
    static boolean compilesEarly(String eagerly, String cache) {
        return Boolean.parseBoolean(eagerly) && !cache.isEmpty();
    }

    /**
     * @param stopAtLevel the value of {@code TieredStopAtLevel}
     * @param tiered      the value of {@code TieredCompilation}
     * @return the JIT those flags give: tiers 1 to 3 are C1 only; C2 alone (tiered off) is full
     */
    static Jit of(String stopAtLevel, String tiered) {
        int level;
        try {
            level = Integer.parseInt(stopAtLevel);
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
        return Boolean.parseBoolean(tiered) && level >= 1 && level <= 3 ? QUICK : FULL;
    }

    /**
     * @param quota this replica's drawn quota (0: none)
     * @return a warning when the JIT does not fit the replica's life: the quick one for a
     *         replica without a quota or with a long one
     */
    public Optional<String> mismatch(long quota) {
        if (this == QUICK && (quota == 0 || quota > LONG_LIFE)) {
            return Optional.of("this replica runs the quick JIT (C1 only) but " + (quota == 0 ? "has no quota" : "a quota of " + quota)
                                       + ": set ROTOR_JIT=full for bin/run or the image (C2's code serves nearly twice the "
                                       + "requests once warm; their auto choice reads ROTOR_MAX_REQUESTS from the environment, "
                                       + "not application.yaml)");
        }
        return Optional.empty();
    }

    /**
     * @return how the startup line names it
     */
    public String describe() {
        return switch (this) {
            case QUICK -> "quick (C1 only)";
            case FULL -> "full (C1 and C2)";
            case UNKNOWN -> "unknown";
        };
    }
}
