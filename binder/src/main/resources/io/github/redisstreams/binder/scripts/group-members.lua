-- The live instances of a consumer group that share partitions: a sorted set of member names scored with the
-- time (Redis's own clock, so that the instances' clocks do not matter) until which each is alive. A heartbeat
-- extends the member, forgets members whose time has passed, and returns the live ones.
-- KEYS[1] members key
-- ARGV[1] member, ARGV[2] time to live (ms), ARGV[3] 'beat' or 'leave'
-- Returns the live members
redis.replicate_commands()
local now = redis.call('TIME')
local millis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ARGV[3] == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], millis + ttl, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. millis)
if redis.call('ZCARD', KEYS[1]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
