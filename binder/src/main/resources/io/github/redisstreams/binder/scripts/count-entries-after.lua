-- Counts the entries of a stream after an id, up to a limit, without sending them to the client.
-- Used for a group's lag when Redis cannot report it (XINFO GROUPS gives no lag before Redis 7, and
-- none when entries after the group's position were deleted). The limit bounds the work per call.
-- KEYS[1] stream
-- ARGV[1] the id to count after (exclusive), ARGV[2] the most entries to count
-- Returns the count, at most the limit.
local limit = tonumber(ARGV[2])
local cursor = '(' .. ARGV[1]
local count = 0
while count < limit do
  local page = redis.call('XRANGE', KEYS[1], cursor, '+', 'COUNT', math.min(1000, limit - count))
  if #page == 0 then
    break
  end
  count = count + #page
  cursor = '(' .. page[#page][1]
end
return count
