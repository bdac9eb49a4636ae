-- wrk script: GET /v1/summaries as a regulator, a fixed number of times
-- (scripts/bench.sh runs it with one connection: latency, not throughput).
-- Environment: NW_BENCH_PATH (path and query), NW_BENCH_TOKEN (a regulator
-- token), NW_BENCH_REQUESTS (how many, default 1000), NW_BENCH_DIR (this
-- directory).
local path = os.getenv("NW_BENCH_PATH")
local token = os.getenv("NW_BENCH_TOKEN")
local limit = tonumber(os.getenv("NW_BENCH_REQUESTS") or "1000")
local common = dofile(os.getenv("NW_BENCH_DIR") .. "/wrk_common.lua")
local threads
threads, setup = common.threads()

-- Per thread, read back by done().
answered = 0
statuses = {}

function request()
	return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
	common.count(status)
	answered = answered + 1
	if answered >= limit then
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	common.result(threads, summary, latency)
end
