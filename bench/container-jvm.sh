# Sourced by the benches that run the image in Docker (bench/startup image, bench/image-heap,
# bench/hostile compose).
# container_jvm_pid CONTAINER: the host's PID of the container's JVM. In exit mode the image's
# entrypoint supervises the JVM (ROTOR_RESPAWN): java is then the only child of the container's
# PID 1; otherwise java is PID 1 itself.
container_jvm_pid() {
  local pid
  pid=$("${DOCKER:-docker}" inspect -f '{{.State.Pid}}' "$1")
  [[ $(cat "/proc/$pid/comm") == java ]] || pid=$(awk '{print $1}' "/proc/$pid/task/$pid/children")
  echo "$pid"
}
