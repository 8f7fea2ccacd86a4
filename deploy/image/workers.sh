# Sourced by the image's entrypoint (/app/bin/rotor, through respawn.sh) and by bin/run: WORKERS
# JVMs serving one port in one container, as gunicorn's arbiter ran its workers, and each one
# replaced in place, without gunicorn's gap:
#   - every worker binds the same port (SO_REUSEPORT; the kernel spreads new connections);
#   - a worker whose quota is spent (or another trigger) takes the container's handover lock,
#     so that workers never drain together, and tells this supervisor, which starts its
#     successor at once, in the same slot;
#   - the old worker serves on (its readiness stays up: the container serves throughout) until
#     the successor is ready; only then does it stop accepting, answer the connections it had
#     accepted, and exit with ROTOR_EXIT_CODE. So a container never has fewer than WORKERS - 1
#     ready workers, and the port is never without a listener.
# The worker's side of the protocol is dev.rotor.worker (Java), through a private directory: a
# worker leaves draining.PID when its drain starts and ready.PID once it serves; the answer to a
# successor's ready.PID is released.OLDPID, which the old worker looks for. Files, looked at on
# every turn of the loop (five a second), so that nothing depends on a message arriving; a line on
# the pipe "events" only wakes the loop at once.
#   - SIGTERM / SIGINT: passed to every worker; each drains (readiness down for
#     ROTOR_SHUTDOWN_DRAIN_PERIOD, in-flight requests finish) and exits 0; then this exits 0.
#   - SIGQUIT (a thread dump): passed to every worker.
#   - A worker that ends in any other way than its rotation (a bad setting, a port it cannot
#     bind, out of memory) ends the container with its status after stopping the others, so the
#     orchestrator sees it and applies its own back-off (no restart loop inside the container).
#   - A rotation's exit without a handover (a worker whose event could not be sent) is
#     replaced afterwards, as a plain respawn.
#
# Linux and connections queued on a listener that closes: without net.ipv4.tcp_migrate_req=1 the
# kernel resets the connections still in the closing listener's accept queue (and its
# half-open ones) instead of moving them to another worker. A leaving worker therefore first
# steers the port's new connections to its successor (a classic BPF program on the reuseport
# group), takes what is queued, and only then closes; with the sysctl the kernel moves them
# itself (compose sets it): docs/rotation.md.

# Prints the worker count: ROTOR_WORKERS, else WORKERS (gunicorn's and the original deployment's
# name), else GUNICORN_WORKERS, else 1. Exits 2 on anything but 1 to 16.
rotor_worker_count() {
  local n=${ROTOR_WORKERS:-${WORKERS:-${GUNICORN_WORKERS:-1}}}
  if ! [[ $n =~ ^[0-9]{1,2}$ ]] || ((10#$n < 1 || 10#$n > 16)); then
    echo "rotor: WORKERS (or ROTOR_WORKERS) must be a whole number from 1 to 16, not '$n'" >&2
    exit 2
  fi
  echo $((10#$n))
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

# Runs N workers of the command and replaces each in place when it rotates; returns only by
# exiting (with 0 after a stop signal, or with a failed worker's status).
#   rotor_workers N java ... -jar rotor.jar
rotor_workers() {
  local n=$1
  shift
  local rotated=$((10#${ROTOR_EXIT_CODE:-0})) dir events line mark pid slot status old holder
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rotor-workers.XXXXXX")
  mkfifo -m 0600 "$dir/events"
  # held open for reading and writing: a worker's write never blocks, and the pipe never reads EOF
  exec {events}<>"$dir/events"
  # pid -> slot; old pid -> its successor's pid
  declare -A rotor_slot_of=() rotor_successor_of=()
  rotor_stopping="" rotor_failed=""
  rotor_worker_started=""
  _rotor_start_worker() { # slot successor command...
    local s=$1 successor=$2
    shift 2
    # bash starts a background command with SIGINT and SIGQUIT ignored (no job control in a
    # script), and the JVM keeps an ignored signal ignored: reset them before exec
    (trap - INT QUIT TERM; ROTOR_WORKER_DIR=$dir ROTOR_WORKER_SLOT=$s ROTOR_WORKER_SUCCESSOR=$successor exec "$@") &
    rotor_slot_of[$!]=$s
    rotor_worker_started=$!
  }
  _rotor_stop_all() { # signal
    local p
    for p in "${!rotor_slot_of[@]}"; do kill -s "$1" "$p" 2>/dev/null || true; done
  }
  trap 'rotor_stopping=TERM; _rotor_stop_all TERM' TERM
  trap 'rotor_stopping=INT; _rotor_stop_all INT' INT
  trap '_rotor_stop_all QUIT' QUIT
  for slot in $(seq 1 "$n"); do
    _rotor_start_worker "$slot" false "$@"
  done
  ((n == 1)) || rotor_entrypoint_log "$n workers started on one port: ${!rotor_slot_of[*]}"
  while ((${#rotor_slot_of[@]} > 0)); do
    # a worker's wake-up, or a fifth of a second (no fork: a builtin); then drain the pipe
    read -r -t 0.2 -u "$events" line 2>/dev/null || true
    while read -r -t 0 -u "$events" 2>/dev/null; do read -r -u "$events" line || break; done
    for mark in "$dir"/draining.*; do
      [[ -e $mark ]] || continue
      pid=${mark##*.}
      if [[ -n ${rotor_slot_of[$pid]:-} && -z ${rotor_successor_of[$pid]:-} && -z $rotor_stopping && -z $rotor_failed ]]; then
        _rotor_start_worker "${rotor_slot_of[$pid]}" true "$@"
        rotor_successor_of[$pid]=$rotor_worker_started
        rotor_entrypoint_log "worker $pid hands over: worker $rotor_worker_started starts in slot ${rotor_slot_of[$pid]}; $pid serves until it is ready"
      fi
    done
    for old in "${!rotor_successor_of[@]}"; do
      pid=${rotor_successor_of[$old]}
      if [[ -e $dir/ready.$pid && ! -e $dir/released.$old ]]; then
        : >"$dir/released.$old"
        rotor_entrypoint_log "worker $pid is ready: worker $old stops accepting and leaves once it has answered what it accepted"
      fi
    done
    for pid in "${!rotor_slot_of[@]}"; do
      kill -0 "$pid" 2>/dev/null && continue
      status=0
      wait "$pid" || status=$?
      slot=${rotor_slot_of[$pid]}
      unset "rotor_slot_of[$pid]"
      rm -f "$dir/released.$pid" "$dir/draining.$pid" "$dir/ready.$pid"
      # a handover lock whose holder is gone (its successor is ready, or it died) is free
      holder=""
      [[ -f $dir/handover.lock ]] && read -r holder <"$dir/handover.lock" 2>/dev/null
      [[ $holder == "$pid" ]] && rm -f "$dir/handover.lock"
      if [[ -n $rotor_stopping || -n $rotor_failed ]]; then
        # a worker still starting when the signal came has no drain to do and dies of the
        # signal itself (143, 130): stopped as asked, not a failure
        [[ -z $rotor_failed ]] && ((status != 0 && status != 143 && status != 130)) && rotor_failed=$status
        continue
      fi
      if ((status == rotated)); then
        if [[ -n ${rotor_successor_of[$pid]:-} ]]; then
          unset "rotor_successor_of[$pid]"
        else
          _rotor_start_worker "$slot" false "$@"
          rotor_entrypoint_log "worker $pid exited with status $status after its rotation without a handover; worker $rotor_worker_started starts in slot $slot"
        fi
        continue
      fi
      # a failure: a worker that cannot start or died; the container ends with its status
      rotor_failed=$status
      unset "rotor_successor_of[$pid]"
      rotor_entrypoint_log "worker $pid exited with status $status: stopping the other workers and ending with it"
      _rotor_stop_all TERM
    done
  done
  exec {events}>&-
  rm -rf "$dir"
  exit "${rotor_failed:-0}"
}
