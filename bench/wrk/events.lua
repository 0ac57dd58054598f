-- wrk script for POST /api/v1/events: batches of BATCH events, each with a uuid no other
-- request in the run uses, and a tally of the events the server acknowledged.
-- Environment: WRK_NAME (event name), WRK_KEY (ingestion key), WRK_BATCH (default 100),
-- WRK_RESULT (file the summary JSON is written to).

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

function init(args)
  accepted = 0
  failed = 0
  counter = 0
  name = os.getenv("WRK_NAME") or "bench"
  batch = tonumber(os.getenv("WRK_BATCH") or "100")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Ouroboard-Key"] = os.getenv("WRK_KEY") or ""
  -- A random run prefix keeps uuids unique across runs as well as within one.
  math.randomseed(os.time() + thread_number * 7919)
  run_prefix = math.random(0, 0x7fffffff)
end

function request()
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    parts[i] = string.format(
      '{"name":"%s","uuid":"%08x-%04x-4000-8000-%012x","timestamp":"%s",' ..
      '"anonymous_id":"bench","page_url":"/bench"}',
      name, run_prefix, thread_number, counter, now)
  end
  local body = '{"sent_at":"' .. now .. '","events":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 202 then
    accepted = accepted + tonumber(string.match(body, '"accepted":%s*(%d+)') or "0")
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total_accepted, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_failed = total_failed + thread:get("failed")
  end
  local errors = summary.errors
  local result = string.format(
    '{"requests":%d,"duration_us":%d,"accepted":%d,"failed_responses":%d,' ..
    '"socket_errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}',
    summary.requests, summary.duration, total_accepted, total_failed,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000)
  local path = os.getenv("WRK_RESULT")
  if path then
    local file = io.open(path, "w")
    file:write(result)
    file:close()
  else
    io.write(result .. "\n")
  end
end
