-- Shared by the wrk scripts of scripts/bench.sh: numbering the threads, and
-- the one RESULT line bench.sh reads back.
local M = {}

-- A list of wrk's threads and a setup() that numbers them (each thread's
-- global id) and keeps them in the list, for result().
function M.threads()
	local list, next_id = {}, 0
	return list, function(thread)
		thread:set("id", next_id)
		next_id = next_id + 1
		table.insert(list, thread)
	end
end

-- Counts one answer in the calling thread's global statuses table.
function M.count(status)
	statuses[status] = (statuses[status] or 0) + 1
end

-- The RESULT line: requests, latency in ms, errors of every kind, and the
-- statuses every thread counted, summed.
function M.result(threads, summary, latency)
	local counts, parts = {}, {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("statuses") or {}) do
			counts[k] = (counts[k] or 0) + v
		end
	end
	for k, v in pairs(counts) do
		parts[#parts + 1] = k .. ":" .. v
	end
	local e = summary.errors
	io.write(string.format("RESULT requests=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
		"errors=%d statuses=%s\n", summary.requests, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		e.connect + e.read + e.write + e.status + e.timeout, table.concat(parts, ",")))
end

return M
