-- The rows the ceilings insert (scripts/bench.sh): exactly what the daemon
-- stored for each report shape of bench/reports.lua, taken back from the
-- tables after one POST of each, so pgbench and COPY write the same rows —
-- same columns, same values, same complications — as the daemon does.
--
--   psql -v ids='{101,102,...}'   (as a superuser; creates schema bench)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- One row per shape: the INSERT's parameters as the daemon sent them (as
-- text), and its complications as the JSON array store.c sends.
CREATE TABLE bench.shapes AS
SELECT row_number() OVER (ORDER BY r.id) - 1 AS k,
       r.procedure_premises_id IS NOT NULL AS registered,
       r.version::text AS version, r.format, r.procedure_premises_code,
       r.procedure_date::text AS procedure_date, r.procedure_type, r.procedure_type_raw,
       r.setting, r.setting_reported, r.setting_raw, r.practitioner_role,
       r.practitioner_role_raw, r.medically_trained::text AS medically_trained, r.device,
       r.device_raw, r.needle_depth_mm::text AS needle_depth_mm, r.areas::text AS areas,
       r.products::text AS products,
       r.sterile_single_use_cartridge::text AS sterile_single_use_cartridge,
       r.antiviral_prophylaxis::text AS antiviral_prophylaxis, r.age_band, r.sex,
       r.fitzpatrick::text AS fitzpatrick, r.history::text AS history, r.patient_pseudonym,
       r.postcode_district, r.postcode_area, r.region, r.reporter_role,
       r.needs_review::text AS needs_review, r.body, r.body_sha256,
       r.normalised::text AS normalised, r.warnings::text AS warnings,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('idx', c.idx, 'type', c.type,
                'type_raw', c.type_raw, 'grp', c.complication_group,
                'onset_days', c.onset_days, 'duration_days', c.duration_days,
                'severity', c.severity, 'severity_raw', c.severity_raw,
                'serious', c.serious, 'outcome', c.outcome, 'outcome_raw', c.outcome_raw,
                'treatment', c.treatment, 'needs_review', c.needs_review) ORDER BY c.idx),
                '[]')::text
        FROM needlewatch.report_complications c
        WHERE c.premises_id = r.premises_id AND c.report_id = r.id) AS complications
FROM needlewatch.reports r
WHERE r.id = ANY (:'ids'::bigint[]);

-- The columns of the INSERT, in store.c's order after premises_id,
-- account_id, client_ref and procedure_premises_id.
CREATE TABLE bench.columns (pos integer PRIMARY KEY, name text NOT NULL);
INSERT INTO bench.columns
SELECT ordinality, name
FROM unnest(ARRAY['version', 'format', 'procedure_premises_code', 'procedure_date',
	'procedure_type', 'procedure_type_raw', 'setting', 'setting_reported', 'setting_raw',
	'practitioner_role', 'practitioner_role_raw', 'medically_trained', 'device', 'device_raw',
	'needle_depth_mm', 'areas', 'products', 'sterile_single_use_cartridge',
	'antiviral_prophylaxis', 'age_band', 'sex', 'fitzpatrick', 'history', 'patient_pseudonym',
	'postcode_district', 'postcode_area', 'region', 'reporter_role', 'needs_review', 'body',
	'body_sha256', 'normalised', 'warnings']) WITH ORDINALITY AS t (name, ordinality);

-- Each shape's values as (shape, column, value) rows, for the scripts.
CREATE VIEW bench.shape_values AS
SELECT s.k, c.pos, c.name, to_jsonb(s) ->> c.name AS value
FROM bench.shapes s CROSS JOIN bench.columns c;
