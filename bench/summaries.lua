-- wrk script: GET /v1/summaries as a regulator, a fixed number of times
-- (scripts/bench.sh runs it with one connection: latency, not throughput).
-- Environment: NW_BENCH_PATH (path and query), NW_BENCH_TOKEN (a regulator
-- token), NW_BENCH_REQUESTS (how many, default 1000).
local path = os.getenv("NW_BENCH_PATH")
local token = os.getenv("NW_BENCH_TOKEN")
local limit = tonumber(os.getenv("NW_BENCH_REQUESTS") or "1000")
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

-- Per thread, read back by done().
answered = 0
statuses = {}

function request()
	return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
	answered = answered + 1
	if answered >= limit then
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local parts = {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("statuses") or {}) do
			parts[#parts + 1] = k .. ":" .. v
		end
	end
	io.write(string.format("RESULT requests=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
		"errors=%d statuses=%s\n", summary.requests, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.status + summary.errors.timeout, table.concat(parts, ",")))
end
