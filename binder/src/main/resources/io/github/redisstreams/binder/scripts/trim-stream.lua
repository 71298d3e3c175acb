-- One step of a retention trim. Removes the entries older than the requested cut (length cap
-- and/or age) but never at or past the safe id, the oldest entry some group still needs.
-- KEYS[1] stream
-- ARGV[1] max length (0 = no length cap), ARGV[2] age cut id ('' = none), ARGV[3] safe id ('' = no
-- limit), ARGV[4] most entries one step may remove for the length cap (bounds the work of a step)
-- Returns { removed, held back (0/1), more to do (0/1) }.
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then
    return am < bm
  end
  return as < bs
end

local cut = nil
local more = 0
local maxLen = tonumber(ARGV[1])
local step = tonumber(ARGV[4])
if maxLen > 0 then
  local excess = redis.call('XLEN', KEYS[1]) - maxLen
  if excess > 0 then
    local range = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', math.min(excess, step))
    local ms, seq = parse(range[#range][1])
    cut = string.format('%d-%d', ms, seq + 1)
    if excess > step then
      more = 1
    end
  end
end
if ARGV[2] ~= '' and (cut == nil or before(cut, ARGV[2])) then
  cut = ARGV[2]
end
if cut == nil then
  return { 0, 0, 0 }
end
local held = 0
if ARGV[3] ~= '' and before(ARGV[3], cut) then
  cut = ARGV[3]
  held = 1
  more = 0
end
local removed = redis.call('XTRIM', KEYS[1], 'MINID', cut)
return { removed, held, more }
