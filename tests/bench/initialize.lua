-- wrk script: every request opens a new MCP session (initialize), as a crowd of new clients
-- would. An answer without a JSON-RPC result counts as an error.
rpc_errors = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local authorization = os.getenv("MCP_AUTHORIZATION")
if authorization and authorization ~= "" then wrk.headers["Authorization"] = authorization end
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},' ..
  '"clientInfo":{"name":"moat-bench","version":"1"}}}'

local threads = {}
setup = function(thread) table.insert(threads, thread) end

response = function(status, headers, body)
  if not body:find('"result"', 1, true) then rpc_errors = rpc_errors + 1 end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  for _, thread in ipairs(threads) do errors = errors + thread:get("rpc_errors") end
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, errors, latency:percentile(50), latency:percentile(99), latency.mean))
end
