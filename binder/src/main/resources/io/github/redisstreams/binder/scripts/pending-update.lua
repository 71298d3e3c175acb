-- Updates pending entries a consumer still owns with XCLAIM ... IDLE <ms> [RETRYCOUNT <n>] JUSTID, which
-- takes no delivery of its own:
--   renew a lease (idle 0), so that an entry still being worked on does not look abandoned;
--   hand entries back (idle = claim-idle-time), so that another consumer takes them at once;
--   record a failed delivery (idle 0, RETRYCOUNT = the handler deliveries so far).
-- Entries another consumer owns now are left alone. An entry deleted from the stream is not claimed (XCLAIM
-- would drop it from the PEL without a trace): it stays pending for its consumer, whose acknowledgement
-- clears it, or, when ARGV[5] is '1' (the consumer will not process it), it is acknowledged here.
-- Every call shows the consumer as active (its idle time in XINFO CONSUMERS is reset).
-- KEYS[1] stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] idle time to set (ms), ARGV[4] delivery count to set ('' keeps
-- it), ARGV[5] '1' to acknowledge deleted entries, ARGV[6..] entry ids (at most a few thousand: unpack)
-- Returns { ids another consumer owns now, ids whose entries were deleted from the stream }
local owned, taken, deleted = {}, {}, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  if #pending == 1 then
    if pending[1][2] ~= ARGV[2] then
      table.insert(taken, id)
    elseif #redis.call('XRANGE', KEYS[1], id, id) == 0 then
      table.insert(deleted, id)
    else
      table.insert(owned, id)
    end
  end
end
if #owned > 0 then
  local args = { KEYS[1], ARGV[1], ARGV[2], 0 }
  for _, id in ipairs(owned) do
    table.insert(args, id)
  end
  table.insert(args, 'IDLE')
  table.insert(args, ARGV[3])
  if ARGV[4] ~= '' then
    table.insert(args, 'RETRYCOUNT')
    table.insert(args, ARGV[4])
  end
  table.insert(args, 'JUSTID')
  redis.call('XCLAIM', unpack(args))
end
if ARGV[5] == '1' and #deleted > 0 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(deleted))
elseif #owned == 0 and #deleted > 0 then
  -- the consumer still works on deleted entries, whose idle time Redis cannot reset: show that it is alive
  -- (its own idle time, which take-pending.lua checks before reporting a loss) with a read of its history
  -- after the last id, which returns nothing and charges no entry (the XCLAIM above does this otherwise)
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], info[i + 1])
    end
  end
end
return { taken, deleted }
