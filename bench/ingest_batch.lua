-- wrk script: 1,000-report NDJSON batches to POST /v1/reports (scripts/bench.sh).
--
-- Each request is a backlog push from one of the bench premises: 1,000
-- distinct reports, one per line (application/x-ndjson). Environment as for
-- ingest_single.lua, plus NW_BENCH_BATCH (reports per request, default 1000).
local reports = dofile(os.getenv("NW_BENCH_DIR") .. "/reports.lua")
local tokens = reports.tokens(os.getenv("NW_BENCH_TOKENS"))
local run = os.getenv("NW_BENCH_RUN") or "R"
local size = tonumber(os.getenv("NW_BENCH_BATCH") or "1000")

local common = dofile(os.getenv("NW_BENCH_DIR") .. "/wrk_common.lua")
local threads
threads, setup = common.threads()

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
	common.count(status)
end

function done(summary, latency, requests)
	common.result(threads, summary, latency)
end
