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
# Both: SerialGC (the lowest RSS under load on these small replicas, see DESIGN.md), and an
# out-of-memory error ends the process like a rotation. JAVA_OPTS, placed after these flags,
# wins over them (-Xmx512m there, for instance).

# The container's memory limit in bytes, or nothing when there is none (cgroup v2's "max",
# cgroup v1's page-rounded 2^63, or no memory controller at all: a process on a host).
rotor_memory_limit() {
  local root=${1:-/sys/fs/cgroup} value=""
  if [[ -r $root/memory.max ]]; then
    read -r value <"$root/memory.max"
  elif [[ -r $root/memory/memory.limit_in_bytes ]]; then
    read -r value <"$root/memory/memory.limit_in_bytes"
  fi
  # digits only, and below 2^60 (cgroup v1 writes "no limit" as 9223372036854771712)
  if [[ $value =~ ^[0-9]{1,18}$ ]] && ((10#$value < 1 << 60)); then
    echo "$((10#$value))"
  fi
}

rotor_memory_flags() {
  local common="-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
  if [[ -n $(rotor_memory_limit "${1:-}") ]]; then
    echo "$common -XX:MaxRAMPercentage=60 -XX:InitialRAMPercentage=60 -XX:NewRatio=1"
  else
    echo "$common -Xmx224m -Xmn128m -XX:ReservedCodeCacheSize=48m"
  fi
}
