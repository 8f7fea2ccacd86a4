-- GCRA lease: grant one replica up to ARGV[4] of a client's requests at once, atomically.
-- Granting n requests is exactly n single GCRA decisions at the same instant (the same
-- arithmetic as dev.rotor.admission.Gcra), so Redis never grants more than the limit allows;
-- the replica then spends the granted requests locally.
-- KEYS[1]  the client's key: holds its theoretical arrival time (tat), in microseconds (the
--          same key and value as the one-request-per-call script before it, so replicas of
--          both versions share one count during a rolling update)
-- ARGV[1]  now, in microseconds (the caller's clock, so that tests control time)
-- ARGV[2]  interval = window / limit, in microseconds
-- ARGV[3]  limit, requests per window
-- ARGV[4]  most requests wanted, at least 1
-- returns  {granted, remaining after the grant, reset_us (tat - now), retry_after_us (0 when granted)}
-- The key expires when its tat passes: a client idle that long is in the state of a client
-- never seen, so Redis holds at most one key per client active within the last window.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local stored = tonumber(redis.call('GET', KEYS[1]))
local tat = now
if stored and stored > now then
  tat = stored
end
local available = math.floor((now + interval * limit - tat) / interval)
if available < 1 then
  return {0, 0, tat - now, tat + interval - interval * limit - now}
end
local granted = math.min(want, available)
local new_tat = tat + granted * interval
-- %.0f: tostring() would write large numbers as 1.7e+15
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {granted, available - granted, new_tat - now, 0}
