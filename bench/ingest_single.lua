-- wrk script: one distinct report per POST /v1/reports (scripts/bench.sh).
--
-- Each request carries a new client_ref (run, thread, counter) and the token
-- of one of the bench premises in turn, so every request is a new report
-- from one of many clinics, over keep-alive HTTPS connections.
-- Environment: NW_BENCH_DIR (this directory), NW_BENCH_TOKENS (a file of
-- reporter tokens), NW_BENCH_RUN (a prefix that makes refs unique per run).
local reports = dofile(os.getenv("NW_BENCH_DIR") .. "/reports.lua")
local tokens = reports.tokens(os.getenv("NW_BENCH_TOKENS"))
local run = os.getenv("NW_BENCH_RUN") or "R"

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
	local ref = string.format("%s-%d-%d", run, id, n)
	return wrk.format("POST", "/v1/reports", {
		["Authorization"] = "Bearer " .. tokens[((n + id * 7) % #tokens) + 1],
		["Content-Type"] = "application/json",
	}, reports.render(n + id, ref))
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local counts = {}
	for _, t in ipairs(threads) do
		local s = t:get("statuses")
		for k, v in pairs(s or {}) do
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
