-- wrk script for bench/run.py: cycle through the requests listed in a file, then report as JSON.
--
-- Each line of the file is: METHOD <tab> PATH <tab> BODY <tab> HEADER <tab> HEADER ...
-- "{uuid}" in a body becomes a fresh random UUID per request (a new application token).
-- done() prints one line "BENCH_RESULT {json}" with latency percentiles in microseconds.

local requests_list = {}
local position = 0
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local function split(line)
  local parts = {}
  for part in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(parts, part)
  end
  return parts
end

local function uuid()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (template:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919 + math.floor(os.clock() * 1000000))
  for line in io.lines(args[1]) do
    if #line > 0 then
      local parts = split(line)
      local headers = {}
      for i = 4, #parts do
        local name, value = parts[i]:match("^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      table.insert(requests_list, { method = parts[1], path = parts[2], body = parts[3], headers = headers })
    end
  end
  position = math.random(0, #requests_list - 1)
end

function request()
  position = position % #requests_list + 1
  local r = requests_list[position]
  local body = nil
  if r.body ~= "" then
    body = r.body:gsub("{uuid}", uuid)
  end
  return wrk.format(r.method, r.path, r.headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "max": %d, "p50": %d, ' ..
    '"p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99)))
end
