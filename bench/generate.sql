-- Generated reports for `make bench` (scripts/bench.sh), fast, in SQL.
--
--   psql -v mode=load -v reports=2000000 -v premises=1000 -v weeks=104 -v today=2026-11-27
--   psql -v mode=week -v first=2000000 -v reports=19231 -v weeks=104 -v today=2026-11-27
--
-- mode=load: `premises` registered premises (45% medical clinics, 40% salons,
-- 15% mobile practitioners, spread over the UK's regions by population),
-- one reporter account each, `reports` report versions over the `weeks`
-- weeks before the current one (more in recent weeks: the service grows),
-- their complications, and every premises' weekly activity. Run as a
-- superuser: triggers and foreign-key checks are off while loading (a full
-- refresh follows), and ids are given, so complications need no look-up.
-- mode=week: one more week (the current one, up to today) of reports and
-- activity for the same premises, triggers on, as the daemon's inserts are.
--
-- Everything about a case is a hash of its number, so a follow-up (version
-- 2, about 3% of rows) is the same case — premises, week, patient — as the
-- version it follows. Of the cases, 85% are reported by the premises that
-- did the procedure, 10% by a clinic treating a complication from another
-- registered premises, 5% come from unregistered places (home rollers,
-- unknown salons). Skin types follow the UK population (I–III commonest);
-- complications are commoner and more often infections outside clinics.
\set ON_ERROR_STOP 1
\if :{?mode}
\else
\set mode load
\endif
\if :{?first}
\else
\set first 0
\endif
SELECT :'mode' = 'load' AS loading \gset

BEGIN;
SET LOCAL work_mem = '256MB';
-- Compiling these wide expressions would take longer than running them.
SET LOCAL jit = off;

CREATE FUNCTION pg_temp.u(c bigint, k integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ((hashint8(c * 131 + k) & 2147483647) % 1000003)::float8 / 1000003;

-- Lookup tables as arrays: width_bucket(u, lower_bounds) picks an entry.
CREATE TEMP TABLE gen_dict ON COMMIT DROP AS SELECT
	ARRAY[0, 0.13, 0.27, 0.38, 0.475, 0.565, 0.65, 0.73, 0.81, 0.88, 0.925, 0.965]::float8[] AS region_lb,
	ARRAY['E', 'BN', 'M', 'CB', 'B', 'BS', 'LS', 'EH', 'NG', 'CF', 'NE', 'BT'] AS region_area,
	ARRAY['London', 'South East', 'North West', 'East of England', 'West Midlands', 'South West',
	      'Yorkshire and The Humber', 'Scotland', 'East Midlands', 'Wales', 'North East',
	      'Northern Ireland'] AS region_name,
	ARRAY[0, 0.04, 0.08, 0.10, 0.30, 0.33, 0.35, 0.38, 0.40, 0.62, 0.80, 0.83, 0.98]::float8[] AS med_lb,
	ARRAY['infection', 'infection', 'infection', 'pigmentation', 'scarring', 'scarring',
	      'granulomatous_allergic', 'granulomatous_allergic', 'inflammatory', 'inflammatory',
	      'neurological', 'expected', 'other'] AS med_grp,
	ARRAY['infection_bacterial', 'infection_viral_hsv', 'infection_unspecified', 'pih',
	      'scarring_atrophic', 'scarring_unspecified', 'hypersensitivity', 'granuloma',
	      'prolonged_erythema', 'acne_flare', 'nerve_irritation', 'expected_reaction',
	      'other'] AS med_type,
	ARRAY['cellulitis', 'cold sores', 'infection', 'PIH', 'atrophic scarring', 'scarring',
	      'allergic reaction', 'granuloma', 'persistent redness', 'acne breakout', 'tingling',
	      'expected reaction', 'other'] AS med_raw,
	ARRAY[0, 0.10, 0.19, 0.24, 0.25, 0.50, 0.54, 0.56, 0.57, 0.59, 0.62, 0.64, 0.76, 0.88, 0.91,
	      0.98]::float8[] AS oth_lb,
	ARRAY['infection', 'infection', 'infection', 'infection', 'pigmentation', 'scarring',
	      'scarring', 'scarring', 'scarring', 'granulomatous_allergic', 'granulomatous_allergic',
	      'inflammatory', 'inflammatory', 'neurological', 'expected', 'other'] AS oth_grp,
	ARRAY['infection_bacterial', 'infection_viral_hsv', 'infection_unspecified',
	      'infection_mycobacterial', 'pih', 'scarring_atrophic', 'scarring_hypertrophic',
	      'scarring_keloid', 'scarring_unspecified', 'hypersensitivity', 'granuloma',
	      'prolonged_erythema', 'acne_flare', 'nerve_irritation', 'expected_reaction',
	      'other'] AS oth_type,
	ARRAY['cellulitis', 'cold sores', 'infection', 'atypical mycobacteria', 'dark patches',
	      'atrophic scars', 'hypertrophic scar', 'keloid', 'scarring', 'allergic reaction',
	      'granulomatous reaction', 'prolonged redness', 'breakout', 'numbness', 'expected',
	      'other'] AS oth_raw;

\if :loading
SET LOCAL session_replication_role = replica;
INSERT INTO needlewatch.premises (code, name, setting, postcode_district, postcode_area, region)
SELECT 'GEN-' || lpad(g::text, 5, '0'), 'Generated premises ' || g,
       CASE WHEN pg_temp.u(g, 1) < 0.45 THEN 'medical_clinic'
            WHEN pg_temp.u(g, 1) < 0.85 THEN 'salon' ELSE 'mobile' END,
       d.region_area[b] || (1 + g % 19), d.region_area[b], d.region_name[b]
FROM generate_series(1, :premises) g CROSS JOIN gen_dict d
CROSS JOIN LATERAL (SELECT width_bucket(pg_temp.u(g, 2), d.region_lb) AS b) x;
INSERT INTO needlewatch.accounts (token_sha256, role, premises_id, name)
SELECT encode(sha256(convert_to('nwt-generated-' || id, 'UTF8')), 'hex'), 'reporter', id,
       'generated'
FROM needlewatch.premises WHERE code LIKE 'GEN-%' ORDER BY id;
\endif

-- The generated premises, numbered from 0, with their account and whether
-- their activity comes broken down by skin type (70%) and training (50%).
CREATE TEMP TABLE gen_premises ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY p.id) - 1 AS n, p.id, a.id AS account_id, p.setting,
       p.region, p.postcode_area AS area, p.postcode_district AS district,
       pg_temp.u(p.id, 3) < 0.7 AS by_fitz, pg_temp.u(p.id, 4) < 0.5 AS by_training
FROM needlewatch.premises p JOIN needlewatch.accounts a ON a.premises_id = p.id
WHERE p.code LIKE 'GEN-%';
ANALYZE gen_premises;

SELECT (date_trunc('week', :'today'::date)::date - 7 * :weeks) AS monday0,
       extract(isodow FROM :'today'::date)::integer AS days_this_week,
       coalesce((SELECT max(id) FROM needlewatch.reports), 0) AS id0,
       (SELECT count(*) FROM gen_premises) AS npremises \gset

-- One row per report version, with everything drawn.
CREATE TEMP TABLE gen_cases ON COMMIT DROP AS
SELECT y.*, 'GEN-' || y.c AS client_ref,
       encode(sha256(convert_to('patient-' || y.c, 'UTF8')), 'hex') AS pseudonym,
       CASE WHEN y.medical THEN dd.med_grp[t1] ELSE dd.oth_grp[t1] END AS grp1,
       CASE WHEN y.medical THEN dd.med_type[t1] ELSE dd.oth_type[t1] END AS type1,
       CASE WHEN y.medical THEN dd.med_raw[t1] ELSE dd.oth_raw[t1] END AS raw1,
       CASE WHEN y.t2 <> y.t1 AND y.second < 0.2 THEN
            CASE WHEN y.medical THEN dd.med_grp[t2] ELSE dd.oth_grp[t2] END END AS grp2,
       CASE WHEN y.t2 <> y.t1 AND y.second < 0.2 THEN
            CASE WHEN y.medical THEN dd.med_type[t2] ELSE dd.oth_type[t2] END END AS type2,
       CASE WHEN y.t2 <> y.t1 AND y.second < 0.2 THEN
            CASE WHEN y.medical THEN dd.med_raw[t2] ELSE dd.oth_raw[t2] END END AS raw2,
       CASE WHEN y.role IN ('doctor', 'nurse') THEN true
            WHEN y.role IN ('aesthetician', 'self') THEN false END AS trained
FROM (
	SELECT x.*, x.setting = 'medical_clinic' AS medical,
	       width_bucket(pg_temp.u(x.c, 10), CASE WHEN x.setting = 'medical_clinic'
	                    THEN d.med_lb ELSE d.oth_lb END) AS t1,
	       width_bucket(pg_temp.u(x.c, 11), CASE WHEN x.setting = 'medical_clinic'
	                    THEN d.med_lb ELSE d.oth_lb END) AS t2,
	       CASE WHEN x.setting = 'home' THEN 'self'
	            WHEN x.setting = 'medical_clinic' AND x.role_draw < 0.5 THEN 'doctor'
	            WHEN x.setting = 'medical_clinic' AND x.role_draw < 0.95 THEN 'nurse'
	            WHEN x.setting = 'mobile' AND x.role_draw < 0.35 THEN 'nurse'
	            WHEN x.setting = 'salon' AND x.role_draw < 0.05 THEN 'nurse'
	            WHEN x.role_draw > 0.95 THEN 'unknown'
	            ELSE 'aesthetician' END AS role
	FROM (
		SELECT s.g, s.c, s.version, :id0 + s.g - :first AS id, own.id AS premises_id,
		       own.account_id, s.place < 0.85 AS own_place,
		       CASE WHEN s.place < 0.85 THEN own.id WHEN s.place < 0.95 THEN other.id END AS place_id,
		       CASE WHEN s.place < 0.85 THEN own.setting WHEN s.place < 0.95 THEN other.setting
		            WHEN pg_temp.u(s.c, 6) < 0.6 THEN 'home' WHEN pg_temp.u(s.c, 6) < 0.9 THEN 'salon'
		            ELSE 'mobile' END AS setting,
		       CASE WHEN s.place < 0.85 THEN own.region WHEN s.place < 0.95 THEN other.region
		            ELSE d.region_name[s.rb] END AS region,
		       CASE WHEN s.place < 0.85 THEN own.district WHEN s.place < 0.95 THEN other.district
		            ELSE d.region_area[s.rb] || '1' END AS district,
		       CASE WHEN s.place < 0.85 THEN own.area WHEN s.place < 0.95 THEN other.area
		            ELSE d.region_area[s.rb] END AS area,
		       s.week + s.day AS procedure_date,
		       CASE WHEN s.f < 0.05 THEN NULL WHEN s.f < 0.18 THEN 1 WHEN s.f < 0.43 THEN 2
		            WHEN s.f < 0.71 THEN 3 WHEN s.f < 0.86 THEN 4 WHEN s.f < 0.95 THEN 5
		            ELSE 6 END AS fitzpatrick,
		       pg_temp.u(s.c, 8) AS role_draw, pg_temp.u(s.c, 9) AS second,
		       (ARRAY['18-24', '25-34', '35-44', '45-54', '55-64', '65+'])[1 + (s.c % 6)::integer] AS age_band,
		       (ARRAY['mild', 'moderate', 'moderate', 'severe'])[1 + (s.g % 4)::integer] AS severity,
		       CASE s.version WHEN 1 THEN 'resolving' ELSE 'resolved' END AS outcome,
		       round((0.5 + (s.c % 5) * 0.25)::numeric, 2) AS depth
		FROM (
			SELECT g, c, version, pg_temp.u(c, 5) AS place, pg_temp.u(c, 7) AS f,
			       width_bucket(pg_temp.u(c, 15), (SELECT region_lb FROM gen_dict)) AS rb,
			       CASE WHEN :'mode' = 'load'
			            THEN :'monday0'::date + 7 * least(:weeks - 1,
			                 floor(:weeks * sqrt(pg_temp.u(c, 13))))::integer
			            ELSE :'monday0'::date + 7 * :weeks END AS week,
			       CASE WHEN :'mode' = 'load' THEN floor(7 * pg_temp.u(c, 14))::integer
			            ELSE floor(:days_this_week * pg_temp.u(c, 14))::integer END AS day
			FROM (SELECT g, CASE WHEN g % 33 = 0 THEN g - 1 ELSE g END AS c,
			             CASE WHEN g % 33 = 0 THEN 2 ELSE 1 END AS version
			      FROM generate_series(:first + 1, :first + :reports) g) s0
			OFFSET 0 -- each draw once, not once per use
		) s
		CROSS JOIN gen_dict d
		JOIN gen_premises own ON own.n = (hashint8(s.c) & 2147483647) % :npremises
		LEFT JOIN gen_premises other ON s.place >= 0.85 AND s.place < 0.95
		      AND other.n = (hashint8(s.c * 7 + 3) & 2147483647) % :npremises
		OFFSET 0
	) x CROSS JOIN gen_dict d
	OFFSET 0
) y CROSS JOIN gen_dict dd;

INSERT INTO needlewatch.reports (premises_id, id, account_id, client_ref, version, format,
	procedure_premises_id, procedure_date, procedure_type, procedure_type_raw, setting,
	setting_reported, setting_raw, practitioner_role, practitioner_role_raw, medically_trained,
	device, device_raw, needle_depth_mm, areas, products, sterile_single_use_cartridge,
	antiviral_prophylaxis, age_band, sex, fitzpatrick, history, patient_pseudonym,
	postcode_district, postcode_area, region, reporter_role, needs_review, body, body_sha256,
	normalised, warnings)
OVERRIDING SYSTEM VALUE
SELECT premises_id, id, account_id, client_ref, version, 'json', place_id, procedure_date,
       'microneedling', 'microneedling', setting, setting, setting, role, role, trained,
       'pen', 'dermapen', depth, '["cheeks", "forehead"]', '["hyaluronic serum"]', role <> 'self',
       false, age_band, 'female', fitzpatrick, '[]', pseudonym, district, area, region,
       reporter_role, false, body, encode(sha256(convert_to(body, 'UTF8')), 'hex'),
       jsonb_build_object('client_ref', client_ref, 'version', version,
           'procedure', jsonb_build_object('date', procedure_date, 'type', 'microneedling',
               'setting', setting, 'practitioner_role', role, 'medically_trained', trained,
               'device', 'pen', 'needle_depth_mm', depth,
               'place', jsonb_build_object('premises_id', place_id,
                                           'registered', place_id IS NOT NULL,
                                           'setting', setting)),
           'patient', jsonb_build_object('age_band', age_band, 'sex', 'female',
               'fitzpatrick', fitzpatrick, 'region', region, 'postcode_district', district),
           'complications', jsonb_build_array(jsonb_build_object('type', type1,
               'group', grp1, 'severity', severity, 'outcome', outcome))), '[]'
FROM (SELECT c.*, CASE WHEN own_place THEN 'practitioner' ELSE 'treating_clinician' END AS reporter_role,
             format('{"client_ref":"%s","version":%s,"procedure":{"date":"%s",'
                    '"type":"microneedling","setting":"%s","premises_code":null,'
                    '"practitioner_role":"%s","device":"dermapen","needle_depth":"%s mm",'
                    '"areas":["cheeks","forehead"],"products":["hyaluronic serum"],'
                    '"sterile_single_use_cartridge":%s,"antiviral_prophylaxis":false},'
                    '"patient":{"age_band":"%s","sex":"female","fitzpatrick":%s,"history":[],'
                    '"ref":"%s","postcode_district":"%s"},"complications":[{"type":"%s",'
                    '"onset_days":3,"severity":"%s","outcome":"%s"}%s],"reporter_role":"%s",'
                    '"narrative":"Seen at follow-up; photographs on file."}',
                    client_ref, version, procedure_date, setting, role, depth, role <> 'self',
                    age_band, coalesce(fitzpatrick::text, 'null'), pseudonym, district, raw1,
                    severity, outcome,
                    CASE WHEN raw2 IS NOT NULL THEN format(',{"type":"%s"}', raw2) ELSE '' END,
                    CASE WHEN own_place THEN 'practitioner' ELSE 'treating_clinician' END) AS body
      FROM gen_cases c OFFSET 0) x;

INSERT INTO needlewatch.report_complications (premises_id, report_id, idx, type, type_raw,
	complication_group, onset_days, duration_days, severity, severity_raw, serious, outcome,
	outcome_raw, treatment, needs_review)
SELECT premises_id, id, 0, type1, raw1, grp1, 3, 14, severity, severity, severity = 'severe',
       outcome, outcome, '[]'::jsonb, false
FROM gen_cases
UNION ALL
SELECT premises_id, id, 1, type2, raw2, grp2, 10, NULL, 'moderate', 'moderate', false,
       outcome, outcome, '[]'::jsonb, false
FROM gen_cases WHERE type2 IS NOT NULL;

-- Weekly activity of every premises: 200 to 1,000 procedures, with the
-- breakdowns the premises gives.
INSERT INTO needlewatch.activity (premises_id, account_id, week, procedure_type, procedures,
	by_fitzpatrick, procedures_trained, procedures_untrained)
SELECT id, account_id, week, 'microneedling', procs,
       CASE WHEN by_fitz THEN ARRAY[f1, f2, f3, f4, f5, procs - f1 - f2 - f3 - f4 - f5] END,
       CASE WHEN by_training THEN trained END, CASE WHEN by_training THEN procs - trained END
FROM (SELECT p.*, w.week, x.procs, (x.procs * 0.13)::integer AS f1,
             (x.procs * 0.25)::integer AS f2, (x.procs * 0.29)::integer AS f3,
             (x.procs * 0.17)::integer AS f4, (x.procs * 0.10)::integer AS f5,
             (x.procs * CASE p.setting WHEN 'medical_clinic' THEN 1.0 WHEN 'mobile' THEN 0.4
                                       ELSE 0.1 END)::integer AS trained
      FROM gen_premises p
      CROSS JOIN (SELECT :'monday0'::date + 7 * k AS week, k
                  FROM generate_series(CASE WHEN :'loading'::boolean THEN 0 ELSE :weeks END,
                                       :weeks - CASE WHEN :'loading'::boolean THEN 1 ELSE 0 END) k) w
      CROSS JOIN LATERAL (SELECT (200 + 800 * pg_temp.u(p.id * 1000 + w.k, 16))::integer
                          AS procs) x) a;

-- The daemon's inserts take ids after the generated ones.
SELECT setval(pg_get_serial_sequence('needlewatch.reports', 'id'), max(id)) > 0 AS ok
FROM needlewatch.reports \gset
COMMIT;
