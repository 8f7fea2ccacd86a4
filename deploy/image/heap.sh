# Sourced by bin/run and by the image's entrypoint (/app/bin/rotor): the memory flags of a
# replica's JVM, one decision for both. Prints them on one line.
#
#   rotor_memory_flags [cgroup root]   (default /sys/fs/cgroup)
#
# In a container with a memory limit (compose's mem_limit, Kubernetes' limits, docker run
# --memory): the heap is 60% of the limit, the rest being for metaspace, code cache, thread
# stacks and direct buffers. It is whole from the start and half young: with the JVM's initial
# heap (1/64 of the limit, a 2 MiB young generation) a replica under load collected every
# 2.4 ms, promoted garbage until the old generation was full, and served 51,622 requests/s
# against 77,899 (bench/image-heap: wrk -c64 on GET /, 384 MiB limit).
#
# Without a limit (bin/run on a workstation, docker run without --memory): 224 MiB, 128 MiB of
# it young, not the JVM's default of a quarter of the machine (nor 60% of it): a leak shows up,
# and is rotated away, long before the box runs out, and the heap keeps the compressed
# references that the image's AOT cache was trained with on any host (a 256 GiB host would
# otherwise get a heap too large for them, and the JVM would refuse the cache). A request's
# garbage dies young; a small young generation collected many times a second cost ~30% of the
# throughput in bench/heap.
#
# Workers (workers.sh): while one hands over, WORKERS + 1 JVMs run at once in the container, and
# all of them must fit its limit, the draining one at its peak: with more than one JVM at once the
# heaps share 50% of the limit (a quarter each for one worker and its successor: 128 MiB of
# 512 MiB), the rest being each JVM's metaspace, code cache and stacks (bench/one-container
# prints the container's peak memory).
#
# Both: SerialGC (the lowest RSS under load on these small replicas, measured in
# docs/benchmarks.md), and an out-of-memory error ends the process like a rotation. JAVA_OPTS,
# placed after these flags, wins over them (-Xmx512m there, for instance).

# Whether the process has a memory limit: cgroup v2's memory.max or cgroup v1's
# memory.limit_in_bytes holds a number. "max" (v2), v1's "no limit" (9223372036854771712, 19
# digits, more than any real limit) and no memory controller at all (a process on a host)
# mean none.
rotor_memory_limited() {
  local root=${1:-/sys/fs/cgroup} value=""
  if [[ -r $root/memory.max ]]; then
    read -r value <"$root/memory.max"
  elif [[ -r $root/memory/memory.limit_in_bytes ]]; then
    read -r value <"$root/memory/memory.limit_in_bytes"
  fi
  [[ $value =~ ^[0-9]{1,18}$ ]]
}

#   rotor_memory_flags [cgroup root] [JVMs at once, default 1]
rotor_memory_flags() {
  local common="-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError" jvms=${2:-1} tenths pct
  if rotor_memory_limited "${1:-}" && ((jvms > 1)); then
    tenths=$((500 / jvms))
    pct="$((tenths / 10)).$((tenths % 10))"
    echo "$common -XX:MaxRAMPercentage=$pct -XX:InitialRAMPercentage=$pct -XX:NewRatio=1"
  elif rotor_memory_limited "${1:-}"; then
    echo "$common -XX:MaxRAMPercentage=60 -XX:InitialRAMPercentage=60 -XX:NewRatio=1"
  else
    echo "$common -Xmx224m -Xmn128m -XX:ReservedCodeCacheSize=48m"
  fi
}
