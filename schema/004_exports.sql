-- 004: the weekly export's ledger: one row per run of `needlewatchctl export`
-- for one week, with the files it wrote, their SHA-256 and how delivery went.
--
-- `export --catch-up` reads it to find what is still to do: every complete
-- week after the latest week whose export succeeded, and every week whose
-- latest run did not succeed (a failed delivery is retried this way). Rows
-- are never deleted: the history of what left the building, and when, is
-- part of the record.
--
--   status           running: started, not finished (or interrupted; the next
--                    export marks it failed); succeeded: files written and,
--                    when delivery was asked for, delivered; failed
--   delivery_status  not_requested, pending, delivered, failed

CREATE TABLE needlewatch.exports (
	id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	week                 date NOT NULL CHECK (extract(isodow FROM week) = 1),
	iso_week             text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
	started_at           timestamptz NOT NULL DEFAULT now(),
	finished_at          timestamptz,
	status               text NOT NULL DEFAULT 'running'
	                     CHECK (status IN ('running', 'succeeded', 'failed')),
	error                text,
	actor                text NOT NULL,       -- "needlewatchctl:<os user>"
	out_dir              text NOT NULL,
	generated_at         timestamptz,         -- as written in the JSON and HTML files
	csv_file             text,
	csv_sha256           text CHECK (csv_sha256 ~ '^[0-9a-f]{64}$'),
	json_file            text,
	json_sha256          text CHECK (json_sha256 ~ '^[0-9a-f]{64}$'),
	html_file            text,
	html_sha256          text CHECK (html_sha256 ~ '^[0-9a-f]{64}$'),
	delivery_url         text,                -- never holds credentials (refused by export)
	delivery_status      text NOT NULL DEFAULT 'not_requested'
	                     CHECK (delivery_status IN ('not_requested', 'pending', 'delivered', 'failed')),
	delivery_attempts    integer NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
	delivery_http_status integer,
	delivery_error       text,
	delivered_at         timestamptz,
	CHECK ((status = 'running') = (finished_at IS NULL)),
	CHECK (status <> 'succeeded' OR (csv_sha256 IS NOT NULL AND json_sha256 IS NOT NULL
	                                 AND html_sha256 IS NOT NULL)),
	CHECK ((delivery_status = 'not_requested') = (delivery_url IS NULL)),
	CHECK ((delivery_status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX exports_week ON needlewatch.exports (week, id);
CREATE INDEX exports_unfinished ON needlewatch.exports (week) WHERE status <> 'succeeded';

-- Only needlewatchctl (the owner role) writes it; the daemon and regulators
-- have no business with it (schema needlewatch is closed to them anyway).
REVOKE ALL ON needlewatch.exports FROM PUBLIC;
