-- wrk script: one POST of each report shape of reports.lua, then stop
-- (scripts/bench.sh keeps what the daemon stored as the ceilings' rows).
-- Environment as for ingest_single.lua; run with one connection.
local reports = dofile(os.getenv("NW_BENCH_DIR") .. "/reports.lua")
local tokens = reports.tokens(os.getenv("NW_BENCH_TOKENS"))
local run = os.getenv("NW_BENCH_RUN") or "R"
local sent, answered = 0, 0

function request()
	local i = sent
	sent = sent + 1
	return wrk.format("POST", "/v1/reports", {
		["Authorization"] = "Bearer " .. tokens[1],
		["Content-Type"] = "application/json",
	}, reports.render(i % reports.count, string.format("SHAPE-%s-%d", run, i % reports.count)))
end

function response(status, headers, body)
	answered = answered + 1
	if status ~= 201 and status ~= 200 then
		io.stderr:write("shape ", answered - 1, ": HTTP ", status, " ", body, "\n")
	end
	if answered >= reports.count then
		wrk.thread:stop()
	end
end
