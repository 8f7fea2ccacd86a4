#!/bin/sh
# Starts one Sentinel of rotor-sentinel. It monitors the primary its peers name (after a
# failover that is no longer rotor-redis-0), else rotor-redis-0; hostnames throughout, since
# pod addresses change when pods are replaced. The configuration lives on the pod's emptyDir,
# where the Sentinel rewrites it as it learns.
set -eu
me="$(hostname).rotor-sentinel"
conf=/data/sentinel.conf
if [ ! -f "$conf" ]; then
  primary="rotor-redis-0.rotor-redis-nodes"
  for i in 0 1 2; do
    peer="rotor-sentinel-$i.rotor-sentinel"
    [ "$peer" = "$me" ] && continue
    answer=$(redis-cli -h "$peer" -p 26379 --raw sentinel get-master-addr-by-name rotor 2>/dev/null | head -n 1 || true)
    case "$answer" in
      ""|ERR*|*" "*) ;;
      *) primary="$answer"; break ;;
    esac
  done
  cat > "$conf" <<CONF
port 26379
dir /data
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $me
sentinel monitor rotor $primary 6379 2
sentinel down-after-milliseconds rotor 5000
sentinel failover-timeout rotor 60000
sentinel parallel-syncs rotor 1
sentinel auth-user rotor sentinel
sentinel auth-pass rotor $REDIS_PASSWORD
CONF
fi
exec redis-server "$conf" --sentinel
