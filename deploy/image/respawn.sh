# Sourced by the image's entrypoint (/app/bin/rotor): what happens after a rotation in exit
# mode. A replica that reaches its quota drains, and its JVM exits with ROTOR_EXIT_CODE.
#   ROTOR_RESPAWN=true (the default): the entrypoint supervises the JVMs (WORKERS of them, 1 by
#     default, sharing the port) and replaces each one in place, as gunicorn's arbiter starts
#     the next worker after max_requests, but before the old one stops accepting: the
#     successor starts when the drain starts, and the old JVM leaves once it is ready
#     (workers.sh). The container keeps running and its port is never without a listener.
#   ROTOR_RESPAWN=false: the JVM is the container's process (PID 1); its exit ends the container
#     and the orchestrator's restart policy starts a new one (compose, docker run --restart).
# Only a rotation's exit is respawned: any other status (a bad setting, a failed start, an
# out-of-memory exit) ends the container with that status, so that the orchestrator sees it and
# applies its own back-off. SIGTERM and SIGINT are passed to the JVM, which drains; the
# container then ends with the JVM's status. SIGQUIT (a thread dump) is passed on too.
# Modes other than exit never end the JVM themselves: the entrypoint execs it as before.
. "$(dirname "${BASH_SOURCE[0]}")/workers.sh"

# @return 0 when the entrypoint should supervise the JVM; exits 2 on a bad ROTOR_RESPAWN, or on
# a ROTOR_EXIT_CODE that a failure also exits with: the JVM exits 1 when it cannot start (a port
# taken), 2 on a bad setting, 3 out of memory (-XX:+ExitOnOutOfMemoryError), and a shell reports
# 126 and up (a command that cannot run, a signal's death). Respawned, such a failure would loop
# in the container, never seen by the orchestrator.
rotor_respawns() {
  case ${ROTOR_RESPAWN:-true} in
    true) [[ ${ROTOR_EXIT_MODE:-} == exit ]] || return 1 ;;
    false) return 1 ;;
    *) echo "rotor: ROTOR_RESPAWN must be true or false, not '${ROTOR_RESPAWN}'" >&2; exit 2 ;;
  esac
  local code=${ROTOR_EXIT_CODE:-0}
  if ! [[ $code =~ ^[0-9]{1,3}$ ]] || ((10#$code >= 1 && 10#$code <= 3 || 10#$code >= 126)); then
    echo "rotor: with ROTOR_RESPAWN=true, ROTOR_EXIT_CODE must be 0 or 4-125, not '$code' (1-3 and" \
      "126-255 are also the statuses of failures, which would then start again in a loop)" >&2
    exit 2
  fi
}

# Runs the command (the JVM) as the container's workers: WORKERS of them (1 by default), each
# replaced in place by a successor when it rotates (workers.sh beside this).
#   rotor_respawn java ... -jar /app/rotor.jar
rotor_respawn() {
  rotor_workers "$(rotor_worker_count)" "$@"
}
