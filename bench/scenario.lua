-- One wrk script for every scenario, configured through the environment by bench/run.sh:
--   BENCH_METHOD  GET or POST
--   BENCH_PATH    request path; "{id}" is replaced by the current id
--   BENCH_IDS     space-separated ids, used round-robin (empty: the path has no "{id}")
--   BENCH_RANGE   "first:last": ids used once each, in order (opening disputes on fresh orders)
--   BENCH_BODY    JSON body; "{id}" is replaced too
--   BENCH_BODY_FILE  a file whose bytes are the body as they are (a multipart upload), sent
--                 with BENCH_CONTENT_TYPE
--   BENCH_AUTH    Authorization header value; BENCH_COOKIE Cookie header value
--   BENCH_OUT     file that receives the summary as JSON
-- Run with one wrk thread (-t 1), so one counter hands out the ids.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")
local raw = nil
if os.getenv("BENCH_BODY_FILE") then
  local fh = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
  raw = fh:read("*a")
  fh:close()
end
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "", "%S+") do ids[#ids + 1] = id end
local first, last = string.match(os.getenv("BENCH_RANGE") or "", "^(%d+):(%d+)$")
first, last = tonumber(first), tonumber(last)

local headers = {}
if os.getenv("BENCH_AUTH") then headers["Authorization"] = os.getenv("BENCH_AUTH") end
if os.getenv("BENCH_COOKIE") then headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if body then headers["Content-Type"] = "application/json" end
if raw then headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") end

local n = 0

request = function()
  local id = ""
  if first then
    -- Past the end it wraps: those requests fail (409) and show up as status errors.
    id = tostring(first + n % (last - first + 1))
  elseif #ids > 0 then
    id = ids[n % #ids + 1]
  end
  n = n + 1
  local p = string.gsub(path, "{id}", id)
  local b = raw or (body and string.gsub(body, "{id}", id) or nil)
  return wrk.format(method, p, headers, b)
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "mean_ms": %.3f, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, e.connect, e.read, e.write, e.status, e.timeout))
  out:close()
end
