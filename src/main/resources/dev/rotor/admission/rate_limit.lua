-- GCRA, one atomic decision per call: the same arithmetic as dev.rotor.admission.Gcra.
-- KEYS[1]  the client's key: holds its theoretical arrival time (tat), in microseconds
-- ARGV[1]  now, in microseconds (the caller's clock, so that tests control time)
-- ARGV[2]  interval = window / limit, in microseconds
-- ARGV[3]  limit, requests per window
-- returns  {allowed (1|0), remaining, reset_us, retry_after_us}
-- The key expires when its tat passes: a client idle that long is in the state of a client
-- never seen, so Redis holds at most one key per client active within the last window.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local stored = tonumber(redis.call('GET', KEYS[1]))
local tat = now
if stored and stored > now then
  tat = stored
end
local new_tat = tat + interval
local allow_at = new_tat - interval * limit
if now < allow_at then
  return {0, 0, tat - now, allow_at - now}
end
-- %.0f: tostring() would write large numbers as 1.7e+15
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, math.floor((interval * limit - (new_tat - now)) / interval), new_tat - now, 0}
