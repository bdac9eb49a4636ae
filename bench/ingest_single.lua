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

local common = dofile(os.getenv("NW_BENCH_DIR") .. "/wrk_common.lua")
local threads
threads, setup = common.threads()

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
	common.count(status)
end

function done(summary, latency, requests)
	common.result(threads, summary, latency)
end
