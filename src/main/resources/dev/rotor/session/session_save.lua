-- Replace a session whole (a memory copy that Redis lacks).
-- KEYS[1]  hash   KEYS[2]  message list (see session_read.lua)
-- ARGV[1]  idle ttl (ms)   ARGV[2]  created   ARGV[3]  lastUsed   ARGV[4]  system or ''
-- ARGV[5]  '1' when there is a system prompt, else '0'   ARGV[6..]  messages
-- returns  1
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'created', ARGV[2], 'lastUsed', ARGV[3])
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'system', ARGV[4]) end
for i = 6, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if #ARGV >= 6 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return 1
