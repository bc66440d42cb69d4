-- wrk script: a steady stream of MCP tools/call requests on an existing session.
-- The session id and protocol version come from the environment (the harness initializes the
-- session first, as a real client would). Ids are unique across wrk's threads (each has its own
-- Lua state), and an answer without a JSON-RPC result counts as an error.
local session = os.getenv("MCP_SESSION_ID")
local prefix = tostring({}):match("0x(%x+)") or tostring(math.random(1e9))
local counter = 0
rpc_errors = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
if session and session ~= "" then wrk.headers["Mcp-Session-Id"] = session end
local authorization = os.getenv("MCP_AUTHORIZATION")
if authorization and authorization ~= "" then wrk.headers["Authorization"] = authorization end

local threads = {}
setup = function(thread) table.insert(threads, thread) end

request = function()
  counter = counter + 1
  local body = '{"jsonrpc":"2.0","id":"' .. prefix .. '-' .. counter ..
    '","method":"tools/call","params":{"name":"echo","arguments":{"message":"bench"}}}'
  return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
  if not body:find('"result"', 1, true) then rpc_errors = rpc_errors + 1 end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  for _, thread in ipairs(threads) do errors = errors + thread:get("rpc_errors") end
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, errors, latency:percentile(50), latency:percentile(99), latency.mean))
end
