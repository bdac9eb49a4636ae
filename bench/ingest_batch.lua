-- wrk script: 1,000-report NDJSON batches to POST /v1/reports (scripts/bench.sh).
--
-- Each request is a backlog push from one of the bench premises: 1,000
-- distinct reports, one per line (application/x-ndjson). Environment as for
-- ingest_single.lua, plus NW_BENCH_BATCH (reports per request, default 1000).
local reports = dofile(os.getenv("NW_BENCH_DIR") .. "/reports.lua")
local tokens = reports.tokens(os.getenv("NW_BENCH_TOKENS"))
local run = os.getenv("NW_BENCH_RUN") or "R"
local size = tonumber(os.getenv("NW_BENCH_BATCH") or "1000")

local threads = {}
local next_id = 0

function setup(thread)
	thread:set("id", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end

-- Per thread: id is set by setup(); statuses is read back by done().
local n = 0
statuses = {}

function request()
	n = n + 1
	local lines = {}
	for i = 1, size do
		lines[i] = reports.render(i, string.format("%s-%d-%d-%d", run, id, n, i))
	end
	return wrk.format("POST", "/v1/reports", {
		["Authorization"] = "Bearer " .. tokens[((n + id * 7) % #tokens) + 1],
		["Content-Type"] = "application/x-ndjson",
	}, table.concat(lines, "\n") .. "\n")
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local counts = {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("statuses") or {}) do
			counts[k] = (counts[k] or 0) + v
		end
	end
	local parts = {}
	for k, v in pairs(counts) do
		parts[#parts + 1] = k .. ":" .. v
	end
	io.write(string.format("RESULT requests=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
		"errors=%d statuses=%s\n", summary.requests, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.status + summary.errors.timeout, table.concat(parts, ",")))
end
