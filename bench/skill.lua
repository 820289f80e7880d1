-- wrk script for every bench scenario with a fixed body: POST the JSON body in $BENCH_BODY_FILE, then
-- print one machine-readable line ("BENCH_JSON {...}") with the latency distribution and error counts.
-- bench/runner.py writes the body file and parses that line; run by hand with e.g.
--   BENCH_BODY_FILE=bench/.work/payload-welcome.json wrk -t2 -c32 -d15s -s bench/skill.lua \
--     http://127.0.0.1:18080/skills/welcome

local path = os.getenv("BENCH_BODY_FILE")
if not path then
  error("set BENCH_BODY_FILE to the JSON body to POST")
end
local file = assert(io.open(path, "rb"))
bench_body = file:read("*a")  -- global: skill_cycle.lua uses it as its template
file:close()

wrk.method = "POST"
wrk.body = bench_body
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["Accept"] = "application/json"
local token = os.getenv("BENCH_SKILL_TOKEN")
if token and token ~= "" then
  wrk.headers["X-Skill-Token"] = token
end

-- No request()/response() functions on purpose: a static request keeps wrk's own CPU use low
-- (it shares the 2 cores with the server), and wrk counts status >= 400 in errors.status.
-- (bench/skill_cycle.lua loads this file and adds a request() for bodies that change.)

-- The BENCH_JSON line; `extra` is more JSON members to put in (',"key":value…'), or nil.
function bench_report(summary, latency, extra)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}%s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), extra or ""))
end

function done(summary, latency, requests)
  bench_report(summary, latency, nil)
end
