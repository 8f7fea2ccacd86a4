-- Test script: KEYS[1] a counter, ARGV[1] a step; returns the counter after the step.
return redis.call('INCRBY', KEYS[1], ARGV[1])
