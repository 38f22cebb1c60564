-- wrk script for bench/load.py: one fixed request, a status mix, and one JSON result line.
--
-- The request comes from the environment (BENCH_METHOD, BENCH_BODY, BENCH_API_KEY, BENCH_FRESH) so the
-- same script serves the GET and the POST scenario. Each wrk thread counts statuses in its
-- own Lua state; done() runs in the main state and sums them through the thread handles.

wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.headers["X-API-Key"] = os.getenv("BENCH_API_KEY") or ""
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
   wrk.body = body
   wrk.headers["Content-Type"] = "application/json"
end

local threads = {}
statuses = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

-- BENCH_FRESH: a query of its own on every request, so no answer can be given twice.
if os.getenv("BENCH_FRESH") == "1" then
   local n = 0
   function request()
      n = n + 1
      return wrk.format(nil, wrk.path .. "?fresh=" .. id .. "-" .. n)
   end
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local mix = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         mix[status] = (mix[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(mix) do
      table.insert(parts, string.format('"%d": %d', status, n))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"socket_errors": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
