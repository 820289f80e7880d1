-- wrk script for scenarios whose body changes per request (e.g. `buy`: one listing per request).
-- $BENCH_BODY_FILE is a JSON body holding the string "__BENCH_CYCLE__" (quotes included) wherever
-- the value changes; $BENCH_CYCLE_FILE has one JSON value per line. Request k of thread t (of
-- $BENCH_CYCLE_STRIDE threads) sends value number $BENCH_CYCLE_START + t + k * stride, so no two
-- requests of a run share a value; past the last line it starts again at the first.
-- done() prints skill.lua's BENCH_JSON line plus "cycle_next": the first value no request used,
-- where bench/runner.py starts the next run (the warm-up and the measured run use fresh values).
--   BENCH_BODY_FILE=bench/.work/template-buy.json BENCH_CYCLE_FILE=bench/.work/cycle-buy.txt \
--     BENCH_CYCLE_START=1 BENCH_CYCLE_STRIDE=2 wrk -t2 -c32 -d15s -s bench/skill_cycle.lua \
--     http://127.0.0.1:18080/skills/buy

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "skill.lua")  -- headers, bench_body (the template), bench_report()

local MARK = '"__BENCH_CYCLE__"'

-- The template cut at every mark: the body is table.concat(parts, value).
local parts, pos = {}, 1
while true do
  local first, last = bench_body:find(MARK, pos, true)
  if not first then break end
  parts[#parts + 1] = bench_body:sub(pos, first - 1)
  pos = last + 1
end
parts[#parts + 1] = bench_body:sub(pos)
if #parts < 2 then
  error("BENCH_BODY_FILE has no " .. MARK)
end

local values = {}
for line in assert(io.open(assert(os.getenv("BENCH_CYCLE_FILE"), "set BENCH_CYCLE_FILE"), "rb")):lines() do
  if line ~= "" then values[#values + 1] = line end
end
if #values == 0 then
  error("BENCH_CYCLE_FILE is empty")
end
local start = tonumber(os.getenv("BENCH_CYCLE_START") or "0")
local stride = tonumber(os.getenv("BENCH_CYCLE_STRIDE") or "1")

-- main state: remember the threads to read their counters in done()
local threads = {}
function setup(thread)
  thread:set("tid", #threads)  -- a global of that thread's own Lua state
  threads[#threads + 1] = thread
end

-- thread states
sent = 0  -- global, so done() can read it with thread:get("sent")
function request()
  local i = start + (tid or 0) + sent * stride
  sent = sent + 1
  return wrk.format(nil, nil, nil, table.concat(parts, values[i % #values + 1]))
end

function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do
    most = math.max(most, thread:get("sent") or 0)
  end
  bench_report(summary, latency, string.format(',"cycle_next":%d,"cycle_size":%d', start + most * stride, #values))
end
