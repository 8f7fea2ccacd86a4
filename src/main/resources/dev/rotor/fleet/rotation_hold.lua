-- Keep a leaving holder's slot a little longer: it now expires after the hold.
-- KEYS[1]  sorted set of holders (see rotation_acquire.lua)
-- ARGV[1]  holder   ARGV[2]  hold (ms)
-- returns  1
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
end
return 1
