# Sourced by bin/run and by the image's entrypoint (/app/bin/rotor): which JIT compilers a
# replica's JVM runs, one decision for both. Prints the flags (none for the JVM's default).
#
#   ROTOR_JIT=auto   (default) quick for a replica with a quota of at most 100,000 requests
#                    (ROTOR_MAX_REQUESTS, or gunicorn's GUNICORN_MAX_REQUESTS; 800 when neither
#                    is set, as in application.yaml), full otherwise (0 = no quota)
#   ROTOR_JIT=quick  C1 only (-XX:TieredStopAtLevel=1): no CPU goes to profiling and C2, so
#                    the first response comes ~45% sooner and the first second under load
#                    serves ~2x the requests; C1's code is slower once warm (~55% of the full
#                    JIT's steady rate), which a replica that lives ~800 requests never sees
#   ROTOR_JIT=full   C1 then C2 (the JVM's default): ahead only after ~10 s of saturating
#                    load (~340,000 requests), so only for long-lived replicas
# Measured by bench/jit (docs/benchmarks.md, "Which JIT"). A quota set in application.yaml
# instead of the environment is not seen here; the replica's startup line names the JIT it
# runs and warns when it runs the quick one without a quota or with a long one.
rotor_jit_flags() {
  local mode=${ROTOR_JIT:-auto} quota=${ROTOR_MAX_REQUESTS:-${GUNICORN_MAX_REQUESTS:-800}}
  case $mode in
    quick) echo "-XX:TieredStopAtLevel=1" ;;
    full) ;;
    auto)
      # bounds as the replica reads them: digits (a quota the replica refuses falls to full)
      if [[ $quota =~ ^[0-9]{1,9}$ ]] && ((10#$quota > 0 && 10#$quota <= 100000)); then
        echo "-XX:TieredStopAtLevel=1"
      fi ;;
    *)
      echo "rotor: ROTOR_JIT must be auto, quick or full, not '$mode'" >&2
      return 2 ;;
  esac
}

# With an AOT cache (JDK 25), the quick JIT also compiles early: as each class initializes, the
# methods that the cache's training run compiled are queued for C1 at once, instead of after
# ~200 calls each in the interpreter (-XX:+AOTCompileEagerly, an experimental flag of JDK 25,
# which replays the training data the cache already carries). bench/warmup, five A/B pairs:
# the p99 of a fresh replica's first 800 requests 0.59-0.85 ms against 0.95-1.93 ms without
# (warm: 0.33-0.59 ms), and bench/startup the same first 200 (386 against 401 ms). Not with the
# full JIT: there it queues C2 compilations during startup (613 against 565 ms).
#   $1: what rotor_jit_flags printed. Callers add these only with -XX:AOTCache on JDK 25.
rotor_jit_cache_flags() {
  if [[ $1 == *TieredStopAtLevel=1* ]]; then
    echo "-XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly"
  fi
}
