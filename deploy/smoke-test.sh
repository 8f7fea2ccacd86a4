#!/usr/bin/env bash
# Container smoke test: builds the image, checks it runs as non-root with a read-only root
# file system and that its HEALTHCHECK follows readiness, then runs the compose stack with a
# small quota, sends a bounded load through HAProxy and asserts that every response is 200
# while replicas drain, exit, are restarted by compose and serve again.
#   deploy/smoke-test.sh            (needs Docker with compose, and curl; ~3 minutes)
# Settings: SMOKE_PORT (host port on 127.0.0.1, default 20480), DOCKER (docker CLI; a
# BuildKit-capable one), SMOKE_REQUESTS (per worker, 4 workers, default 750 at 12/s).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-docker}
PORT=${SMOKE_PORT:-20480}
PER_WORKER=${SMOKE_REQUESTS:-750}
PROJECT=rotorsmoke
IMAGE=rotor:local
work=$(mktemp -d)
single=""

if command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose); else compose=("$DOCKER" compose); fi
compose+=(-p "$PROJECT" -f docker-compose.yml)

say() { echo "smoke: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
cleanup() {
  local status=$?
  if (( status != 0 )); then
    say "last log lines:"
    "${compose[@]}" logs --no-color --tail 40 >&2 2>/dev/null || true
    [[ -n $single ]] && "$DOCKER" logs --tail 40 "$single" >&2 2>/dev/null || true
  fi
  [[ -n $single ]] && "$DOCKER" rm -f "$single" >/dev/null 2>&1 || true
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Polls a command until it succeeds or the deadline (seconds) passes.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    (( SECONDS < deadline )) || fail "$what: not within ${seconds}s"
    sleep 0.25
  done
}
health() { "$DOCKER" inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null; }
is_health() { [[ $(health "$1") == "$2" ]]; }
http_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true; }

say "building $IMAGE"
DOCKER_BUILDKIT=1 "$DOCKER" build ${SMOKE_BUILD_FLAGS:---network host} -q -t "$IMAGE" . >/dev/null

say "the image runs as a non-root user"
uid=$("$DOCKER" run --rm --entrypoint id "$IMAGE" -u)
[[ $uid =~ ^[0-9]+$ && $uid != 0 ]] || fail "container user id is '$uid'"

say "a read-only container starts with the AOT cache, and its HEALTHCHECK follows readiness"
# AOTMode=on makes the JVM refuse to start if the cache cannot be used (stale or mismatched).
single=$("$DOCKER" run -d --read-only --tmpfs /tmp -p "127.0.0.1:$PORT:8080" --health-interval 1s \
  -e JAVA_OPTS=-XX:AOTMode=on -e ROTOR_EXIT_MODE=exit -e ROTOR_MAX_REQUESTS=3 \
  -e ROTOR_MAX_REQUESTS_JITTER=0 -e ROTOR_DRAIN_PERIOD=PT60S -e ROTOR_DRAIN_TIMEOUT=PT90S "$IMAGE")
single_health() {
  [[ $("$DOCKER" inspect -f '{{.State.Running}}' "$single") == true ]] || fail "the container exited: $("$DOCKER" logs --tail 3 "$single" 2>&1)"
  is_health "$single" "$1"
}
wait_for "container healthy" 60 single_health healthy
for _ in 1 2 3; do [[ $(http_status "http://127.0.0.1:$PORT/") == 200 ]] || fail "GET / was not 200"; done
[[ $(http_status "http://127.0.0.1:$PORT/observe/health/ready") == 503 ]] || fail "readiness should be 503 after the quota"
wait_for "container unhealthy while draining" 20 single_health unhealthy
"$DOCKER" rm -f "$single" >/dev/null
single=""

say "compose: HAProxy, two replicas (quota 500 ± 150), Redis on 127.0.0.1:$PORT"
export ROTOR_PUBLISH_PORT=$PORT ROTOR_MAX_REQUESTS=500 ROTOR_MAX_REQUESTS_JITTER=150 ROTOR_DRAIN_PERIOD=PT3S
"${compose[@]}" config -q
"${compose[@]}" up -d --no-build >/dev/null 2>&1
app1=$("${compose[@]}" ps -q app1); app2=$("${compose[@]}" ps -q app2)
wait_for "app1 healthy" 90 is_health "$app1" healthy
wait_for "app2 healthy" 90 is_health "$app2" healthy
wait_for "HAProxy serving" 30 test "$(http_status "http://127.0.0.1:$PORT/")" = 200

restarts() { echo $(( $("$DOCKER" inspect -f '{{.RestartCount}}' "$app1") + $("$DOCKER" inspect -f '{{.RestartCount}}' "$app2") )); }
before=$(restarts)
say "load: 4 workers x $PER_WORKER requests at 12/s each through HAProxy"
for _ in $(seq "$PER_WORKER"); do printf 'url = "http://127.0.0.1:%s/"\noutput = "/dev/null"\n' "$PORT"; done >"$work/urls"
pids=()
for w in 1 2 3 4; do
  # one keep-alive connection per worker, like a browser or an API client
  curl -s --rate 12/s -m 600 -K "$work/urls" -w '%{http_code}\n' >"$work/status.$w" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
total=$(cat "$work"/status.* | wc -l)
ok=$(cat "$work"/status.* | grep -c '^200$' || true)
say "responses: $(cat "$work"/status.* | sort | uniq -c | awk '{printf "%s x %s; ", $1, $2}')"
(( total == 4 * PER_WORKER )) || fail "$total responses for $((4 * PER_WORKER)) requests"
(( ok == total )) || fail "$((total - ok)) of $total responses were not 200"

after=$(restarts)
(( after > before )) || fail "no replica was restarted by compose during the load (restarts $before -> $after)"
logs=$("${compose[@]}" logs --no-color app1 app2)
grep -q 'reached its quota' <<<"$logs" || fail "no replica logged reaching its quota"
grep -q 'stopped after .* exit status 0' <<<"$logs" || fail "no replica logged its exit"
# restarted replicas serve again: both healthy, and a fresh replica answers
wait_for "app1 healthy again" 60 is_health "$app1" healthy
wait_for "app2 healthy again" 60 is_health "$app2" healthy
served_ids=$(grep -o 'replica [0-9a-f]\{6\} serving' <<<"$logs" | sort -u | wc -l)
(( served_ids > 2 )) || fail "only $served_ids replica processes ever served"
say "PASS: $total requests, all 200; $((after - before)) restarts by compose; $served_ids replica processes served"
