# Sourced by the image's entrypoint (/app/bin/rotor): what happens after a rotation in exit
# mode. A replica that reaches its quota drains, and its JVM exits with ROTOR_EXIT_CODE.
#   ROTOR_RESPAWN=true (the default): the entrypoint starts the next JVM in the same container,
#     as gunicorn's arbiter starts the next worker after max_requests. The container keeps
#     running; the old process and all its memory are gone before the new one starts.
#     Docker's restart of a container costs ~400-430 ms on top of the JVM's start (its restart
#     delay, then a new network endpoint and mounts: bench/rotation-restart).
#   ROTOR_RESPAWN=false: the JVM is the container's process (PID 1); its exit ends the container
#     and the orchestrator's restart policy starts a new one (compose, docker run --restart).
# Only a rotation's exit is respawned: any other status (a bad setting, a failed start, an
# out-of-memory exit) ends the container with that status, so that the orchestrator sees it and
# applies its own back-off. SIGTERM and SIGINT are passed to the JVM, which drains; the
# container then ends with the JVM's status. SIGQUIT (a thread dump) is passed on too.
# Modes other than exit never end the JVM themselves: the entrypoint execs it as before.

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

# One line in the replica's own log format (ROTOR_LOG_FORMAT text or json), at INFO: dropped
# when LOG_LEVEL asks for WARN or quieter.
rotor_entrypoint_log() {
  case ${LOG_LEVEL:-info} in
    [Tt][Rr][Aa][Cc][Ee] | [Dd][Ee][Bb][Uu][Gg] | [Ii][Nn][Ff][Oo]) ;;
    *) return 0 ;;
  esac
  if [[ ${ROTOR_LOG_FORMAT:-text} == json ]]; then
    printf '{"timestamp":"%s","level":"INFO","logger":"rotor.entrypoint","message":"%s","thread":"entrypoint"}\n' \
      "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1"
  else
    printf '%s INFO rotor.entrypoint: %s\n' "$(date +%Y-%m-%dT%H:%M:%S.%3N)" "$1"
  fi
}

# Runs the command (the JVM) and starts it again after each rotation's exit.
#   rotor_respawn java ... -jar /app/rotor.jar
rotor_respawn() {
  local rotated=$((10#${ROTOR_EXIT_CODE:-0})) status respawns=0
  rotor_child="" rotor_stopping=""
  trap 'rotor_stopping=TERM; [[ -n $rotor_child ]] && kill -s TERM "$rotor_child" 2>/dev/null || true' TERM
  trap 'rotor_stopping=INT; [[ -n $rotor_child ]] && kill -s INT "$rotor_child" 2>/dev/null || true' INT
  trap '[[ -n $rotor_child ]] && kill -s QUIT "$rotor_child" 2>/dev/null || true' QUIT
  while :; do
    # bash starts a background command with SIGINT and SIGQUIT ignored (no job control in a
    # script), and the JVM keeps an ignored signal ignored: reset them before exec
    (trap - INT QUIT; exec "$@") &
    rotor_child=$!
    # a signal that came while the previous JVM was exiting, before this one had a PID
    [[ -n $rotor_stopping ]] && { kill -s "$rotor_stopping" "$rotor_child" 2>/dev/null || true; }
    # a trapped signal interrupts wait while the JVM still runs (it is draining): wait again;
    # then one more wait gives the JVM's own status (bash keeps it), whichever wait reaped it
    while kill -0 "$rotor_child" 2>/dev/null; do wait "$rotor_child" || true; done
    status=0
    wait "$rotor_child" || status=$?
    if [[ -n $rotor_stopping ]] || (( status != rotated )); then
      exit "$status"
    fi
    respawns=$((respawns + 1))
    rotor_entrypoint_log "replica process $rotor_child exited with status $status after its rotation; starting the next one in this container (respawn $respawns)"
  done
}
