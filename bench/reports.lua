-- Realistic reports for the wrk scripts (scripts/bench.sh): a handful of
-- shapes that differ the way real reports do (setting, practitioner, device,
-- skin type, region, one or two complications, a treating clinician reporting
-- a home roller), each a template with a %s for its client_ref. Procedure
-- dates fall in the last eight weeks, so every report is valid today.
--
-- Usage from a wrk script:
--   local reports = dofile(os.getenv("NW_BENCH_DIR") .. "/reports.lua")
--   local body = reports.render(i, "W1-" .. thread_id .. "-" .. n)

local M = {}

local function date_days_ago(days)
	return os.date("!%Y-%m-%d", os.time() - days * 86400)
end

local shapes = {
	{ setting = "beauty salon", role = "aesthetician", device = "pen", depth = "1.5 mm",
	  areas = '["cheeks", "forehead"]', fitz = "IV", age = "25-34", sex = "female",
	  postcode = "LS6", history = '["rosacea"]', reporter = "practitioner",
	  complications = '[{"type": "cold sores", "onset_days": 3, "duration_days": 10, ' ..
		'"severity": "moderate", "serious": false, "outcome": "resolved", ' ..
		'"treatment": ["oral antivirals"]}]' },
	{ setting = "medical clinic", role = "doctor", device = "dermapen", depth = "1.0mm",
	  areas = '["cheeks"]', fitz = "II", age = "35-44", sex = "female",
	  postcode = "M20", history = '[]', reporter = "practitioner",
	  complications = '[{"type": "persistent redness", "onset_days": 1, "duration_days": 21, ' ..
		'"severity": "mild", "serious": false, "outcome": "resolving", "treatment": []}]' },
	{ setting = "beauty salon", role = "beauty therapist", device = "dermaroller", depth = "500 um",
	  areas = '["cheeks", "chin", "nose"]', fitz = "type 5", age = "18-24", sex = "female",
	  postcode = "B15", history = '["acne"]', reporter = "practitioner",
	  complications = '[{"type": "PIH", "onset_days": 14, "duration_days": 90, ' ..
		'"severity": "moderate", "serious": false, "outcome": "not resolved", ' ..
		'"treatment": ["hydroquinone", "sunscreen"]}]' },
	{ setting = "mobile practitioner", role = "aesthetician", device = "pen", depth = 2.0,
	  areas = '["neck"]', fitz = "III", age = "45-54", sex = "female",
	  postcode = "BS8", history = '[]', reporter = "practitioner",
	  complications = '[{"type": "cellulitis", "onset_days": 2, "duration_days": 14, ' ..
		'"severity": "severe", "serious": true, "outcome": "resolved", ' ..
		'"treatment": ["oral antibiotics", "IV antibiotics"]}]' },
	{ setting = "at home", role = "self-administered", device = "derma roller", depth = "1.5mm",
	  areas = '["forehead", "cheeks"]', fitz = "VI", age = "25-34", sex = "male",
	  postcode = "E8", history = '["keloid history"]', reporter = "treating_clinician",
	  complications = '[{"type": "keloid", "onset_days": 30, "duration_days": null, ' ..
		'"severity": "moderate", "serious": false, "outcome": "ongoing", ' ..
		'"treatment": ["steroid injection"]}]' },
	{ setting = "medical clinic", role = "nurse", device = "RF microneedling", depth = "2 mm",
	  areas = '["jawline"]', fitz = "1", age = "55-64", sex = "female",
	  postcode = "EH3", history = '[]', reporter = "practitioner",
	  complications = '[{"type": "acne breakout", "onset_days": 4, "duration_days": 12, ' ..
		'"severity": "mild", "serious": false, "outcome": "resolved", "treatment": []}]' },
	{ setting = "beauty salon", role = "beautician", device = "pen", depth = "2.5 mm",
	  areas = '["cheeks", "scars"]', fitz = "IV", age = "25-34", sex = "female",
	  postcode = "NG7", history = '[]', reporter = "practitioner",
	  complications = '[{"type": "infection", "onset_days": 3, "duration_days": 9, ' ..
		'"severity": "moderate", "serious": false, "outcome": "resolved", ' ..
		'"treatment": ["topical antibiotics"]}, {"type": "scarring", "onset_days": 30, ' ..
		'"duration_days": null, "severity": "moderate", "serious": false, ' ..
		'"outcome": "resolved with sequelae", "treatment": []}]' },
	{ setting = "medical clinic", role = "doctor", device = "pen", depth = "0.75 mm",
	  areas = '["forehead"]', fitz = "II", age = "35-44", sex = "female",
	  postcode = "CF10", history = '["eczema"]', reporter = "practitioner",
	  complications = '[{"type": "granulomatous reaction", "onset_days": 21, ' ..
		'"duration_days": 60, "severity": "severe", "serious": false, ' ..
		'"outcome": "resolving", "treatment": ["oral steroids"]}]' },
}

local function json_depth(d)
	if type(d) == "number" then
		return string.format("%.1f", d)
	end
	return '"' .. d .. '"'
end

-- One template per shape and day: %s is the client_ref (ASCII, no quotes).
local templates = {}
for i, s in ipairs(shapes) do
	local date = date_days_ago(1 + (i * 5) % 50)
	templates[i] = '{"client_ref": "%s", "version": 1, "procedure": {"date": "' .. date ..
		'", "type": "microneedling", "setting": "' .. s.setting .. '", "premises_code": null, ' ..
		'"practitioner_role": "' .. s.role .. '", "device": "' .. s.device ..
		'", "needle_depth": ' .. json_depth(s.depth) .. ', "areas": ' .. s.areas ..
		', "products": ["hyaluronic serum"], "sterile_single_use_cartridge": ' ..
		(s.role == "self-administered" and "false" or "true") ..
		', "antiviral_prophylaxis": false}, "patient": {"age_band": "' .. s.age ..
		'", "sex": "' .. s.sex .. '", "fitzpatrick": "' .. s.fitz .. '", "history": ' ..
		s.history .. ', "ref": "patient-%s", "postcode_district": "' .. s.postcode ..
		'"}, "complications": ' .. s.complications .. ', "reporter_role": "' .. s.reporter ..
		'", "narrative": "Seen at follow-up; photographs on file. Advised and reviewed."}'
end

M.count = #templates

-- The report of shape (i mod count) with this client_ref.
function M.render(i, ref)
	return string.format(templates[(i % #templates) + 1], ref, ref)
end

-- Reporter tokens, one per line, from the file NW_BENCH_TOKENS names.
function M.tokens(path)
	local t = {}
	for line in io.lines(path) do
		if line ~= "" then
			t[#t + 1] = line
		end
	end
	return t
end

return M
