-- Take (or renew) one of the service's rotation slots, atomically.
-- KEYS[1]  sorted set of holders: member = replica id, score = when its slot expires (ms, Redis's clock)
-- ARGV[1]  holder   ARGV[2]  lease ttl (ms)   ARGV[3]  slots in all
-- returns  1 when the holder has a slot now, else 0
-- Expired holders are dropped first, so a holder that died frees its slot after one ttl.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
