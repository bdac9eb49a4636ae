-- 003: review and re-normalisation (needlewatchctl review, renormalise).
--
-- `needlewatchctl renormalise` re-derives every stored report's normalised
-- columns from its verbatim body after the vocabulary has changed. It runs
-- as needlewatch_owner (the daemon's role can neither UPDATE nor DELETE
-- report history), in batches of one transaction each, and records its
-- position here in the same transaction as the batch, so an interrupted run
-- resumes exactly where the last committed batch ended.

CREATE TABLE needlewatch.renormalise_runs (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	started_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now(),
	finished_at       timestamptz,
	actor             text NOT NULL,
	-- the vocabulary the run applies: a resumed run must apply the same one
	vocabulary_sha256 text NOT NULL CHECK (vocabulary_sha256 ~ '^[0-9a-f]{64}$'),
	-- keyset position: the last (premises_id, id) done
	after_premises_id bigint NOT NULL DEFAULT 0,
	after_id          bigint NOT NULL DEFAULT 0,
	examined          bigint NOT NULL DEFAULT 0,
	changed           bigint NOT NULL DEFAULT 0,
	failed            bigint NOT NULL DEFAULT 0
);
-- At most one unfinished run.
CREATE UNIQUE INDEX renormalise_runs_open ON needlewatch.renormalise_runs ((true))
	WHERE finished_at IS NULL;

-- Re-normalised reports change the summaries of their weeks: mark them dirty
-- the way new reports are, with 002's row trigger function, when 002
-- provides it. (It reads NEW, so this must stay a FOR EACH ROW trigger.)
DO $$
BEGIN
	IF to_regprocedure('needlewatch.reports_mark_dirty()') IS NOT NULL THEN
		CREATE TRIGGER reports_renormalised_mark_dirty AFTER UPDATE ON needlewatch.reports
			FOR EACH ROW EXECUTE FUNCTION needlewatch.reports_mark_dirty();
	END IF;
END
$$;
