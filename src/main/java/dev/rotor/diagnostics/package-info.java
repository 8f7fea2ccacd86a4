/**
 * What a replica tells about itself beyond its state: the leak report (class histograms at the
 * start of serving and of the drain, {@link dev.rotor.diagnostics.LeakReport}), the warm-up that
 * runs its own requests before readiness turns 200 ({@link dev.rotor.diagnostics.WarmUp}), and
 * which JIT it runs with ({@link dev.rotor.diagnostics.Jit}).
 */
package dev.rotor.diagnostics;
