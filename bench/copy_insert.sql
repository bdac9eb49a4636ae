-- The COPY ceiling's second step (scripts/bench.sh): COPY has no ON CONFLICT
-- and cannot link complications to generated ids, so the rows go into a
-- temporary staging table first and from there into the report tables with
-- the daemon's conflict rule, in one statement. psql variable: sfx, which
-- makes each batch's client_refs new.
WITH r AS (
	INSERT INTO needlewatch.reports (premises_id, account_id, client_ref, version, format,
		procedure_premises_id, procedure_premises_code, procedure_date, procedure_type,
		procedure_type_raw, setting, setting_reported, setting_raw, practitioner_role,
		practitioner_role_raw, medically_trained, device, device_raw, needle_depth_mm, areas,
		products, sterile_single_use_cartridge, antiviral_prophylaxis, age_band, sex,
		fitzpatrick, history, patient_pseudonym, postcode_district, postcode_area, region,
		reporter_role, needs_review, body, body_sha256, normalised, warnings)
	SELECT premises_id, account_id, client_ref || :'sfx', version, format,
		procedure_premises_id, procedure_premises_code, procedure_date, procedure_type,
		procedure_type_raw, setting, setting_reported, setting_raw, practitioner_role,
		practitioner_role_raw, medically_trained, device, device_raw, needle_depth_mm, areas,
		products, sterile_single_use_cartridge, antiviral_prophylaxis, age_band, sex,
		fitzpatrick, history, patient_pseudonym, postcode_district, postcode_area, region,
		reporter_role, needs_review, body, body_sha256, normalised, warnings
	FROM stage
	ON CONFLICT (premises_id, client_ref, version) DO NOTHING
	RETURNING premises_id, id, client_ref, version
), c AS (
	INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type,
		type_raw, complication_group, onset_days, duration_days, severity, severity_raw,
		serious, outcome, outcome_raw, treatment, needs_review)
	SELECT r.premises_id, r.id, x.idx, x.type, x.type_raw, x.grp, x.onset_days,
		x.duration_days, x.severity, x.severity_raw, x.serious, x.outcome, x.outcome_raw,
		coalesce(x.treatment, '[]'::jsonb), x.needs_review
	FROM r
	JOIN stage s ON s.premises_id = r.premises_id AND s.client_ref || :'sfx' = r.client_ref
		AND s.version = r.version
	CROSS JOIN jsonb_to_recordset(s.complications) AS x(idx smallint, type text,
		type_raw text, grp text, onset_days integer, duration_days integer, severity text,
		severity_raw text, serious boolean, outcome text, outcome_raw text, treatment jsonb,
		needs_review boolean)
)
SELECT count(*) FROM r;
