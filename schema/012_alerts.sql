-- 012: signals — alerts computed from reports and activity, their state and
-- its audit trail, and the weeks they must be recomputed for (issue 15).
--
--   needlewatch.alerts            one row per episode of one rule on one subject
--                                 (premises, setting or exposure, with a
--                                 complication group or type). Never deleted:
--                                 an alert that late reports make vanish is
--                                 'withdrawn'. Private: it names premises, so
--                                 it is in schema needlewatch, never summary.
--   needlewatch.alert_events      every state change: who, when, why
--   needlewatch.alert_dirty_weeks weeks whose data changed since the alerts
--                                 were last computed, marked alongside the
--                                 summaries' own dirty weeks
--   needlewatch.alert_outbox      one row per new alert to announce to the
--                                 webhook, written in the transaction that
--                                 opened the alert, delivered at least once by
--                                 `needlewatchctl alerts deliver`

CREATE TABLE needlewatch.alerts (
	id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	rule               smallint NOT NULL CHECK (rule BETWEEN 1 AND 7),
	kind               text NOT NULL CHECK (kind IN ('sentinel', 'sentinel_cluster', 'cluster',
	                       'cluster_without_denominator', 'exceedance', 'cusum',
	                       'funnel_outlier', 'disproportionality')),
	-- What episodes are keyed on: rule, kind and subject in one string
	-- ("2|cluster|p=17|g=infection"), so that "the same subject" is one
	-- comparison in SQL and in C.
	subject_key        text NOT NULL,
	premises_id        bigint REFERENCES needlewatch.premises (id),
	setting            text,
	exposure           text,
	complication_group text,
	complication_type  text,
	first_week         date NOT NULL CHECK (extract(isodow FROM first_week) = 1),
	last_week          date NOT NULL CHECK (extract(isodow FROM last_week) = 1),
	observed           bigint NOT NULL,
	expected           double precision,
	procedures         bigint,
	p_value            double precision,
	score              double precision,
	threshold          double precision NOT NULL,
	level              text NOT NULL CHECK (level IN ('red', 'amber')),
	evidence           jsonb NOT NULL DEFAULT '{}',
	state              text NOT NULL DEFAULT 'open'
	                   CHECK (state IN ('open', 'acknowledged', 'closed', 'withdrawn')),
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	CHECK (first_week <= last_week)
);
CREATE INDEX alerts_subject ON needlewatch.alerts (subject_key, last_week);
CREATE INDEX alerts_state ON needlewatch.alerts (state, last_week);

CREATE TABLE needlewatch.alert_events (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	alert_id   bigint NOT NULL REFERENCES needlewatch.alerts (id),
	at         timestamptz NOT NULL DEFAULT now(),
	actor      text NOT NULL,  -- "account:<id>", "needlewatchctl:<os user>", "needlewatchd:alerts"
	from_state text,           -- NULL when the alert was opened
	to_state   text NOT NULL,
	note       text
);
CREATE INDEX alert_events_alert ON needlewatch.alert_events (alert_id, id);

-- The webhook's outbox: durable, so an alert opened while the receiver is
-- down is announced when it is back. `alerts deliver` sends red alerts (and
-- amber ones when alerts_webhook_amber is on), marks a row delivered only
-- after a 2xx answer (at least once: the receiver de-duplicates on the
-- delivery id, which is this row's id) and otherwise backs off.
CREATE TABLE needlewatch.alert_outbox (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	alert_id        bigint NOT NULL REFERENCES needlewatch.alerts (id),
	level           text NOT NULL,
	created_at      timestamptz NOT NULL DEFAULT now(),
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	delivered_at    timestamptz,
	last_status     integer,
	last_error      text
);
CREATE INDEX alert_outbox_pending ON needlewatch.alert_outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Every state change is audited by this trigger, not by the code that made
-- it, so none can escape the log. Whoever changes a state says who and why
-- in two transaction-local settings (needlewatch.actor, needlewatch.note).
-- Allowed: open -> acknowledged -> closed, open -> closed, and open or
-- acknowledged -> withdrawn (the data no longer show it). Withdrawn and
-- closed are final: a signal that returns is a new episode.
CREATE FUNCTION needlewatch.alerts_audit_state() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	actor text := coalesce(nullif(current_setting('needlewatch.actor', true), ''), session_user::text);
	note text := nullif(current_setting('needlewatch.note', true), '');
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO needlewatch.alert_events (alert_id, actor, from_state, to_state, note)
		VALUES (NEW.id, actor, NULL, NEW.state, note);
		INSERT INTO needlewatch.alert_outbox (alert_id, level) VALUES (NEW.id, NEW.level);
		RETURN NULL;
	END IF;
	IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
		RETURN NULL;
	END IF;
	IF NOT ((OLD.state = 'open' AND NEW.state IN ('acknowledged', 'closed', 'withdrawn'))
	        OR (OLD.state = 'acknowledged' AND NEW.state IN ('closed', 'withdrawn'))) THEN
		RAISE EXCEPTION 'alert % cannot go from % to %', OLD.id, OLD.state, NEW.state
			USING ERRCODE = '23514';
	END IF;
	INSERT INTO needlewatch.alert_events (alert_id, actor, from_state, to_state, note)
	VALUES (NEW.id, actor, OLD.state, NEW.state, note);
	RETURN NULL;
END
$$;
CREATE TRIGGER alerts_audit_state AFTER INSERT OR UPDATE OF state ON needlewatch.alerts
	FOR EACH ROW EXECUTE FUNCTION needlewatch.alerts_audit_state();

-- The weeks the alerts must be recomputed for. The summaries' refresh
-- consumes needlewatch.dirty_weeks, so the alerts keep their own marks,
-- copied from every mark the triggers of 002 write: a late report changes
-- both. Keyless and append-only for the same reason as dirty_weeks.
CREATE TABLE needlewatch.alert_dirty_weeks (
	week      date NOT NULL,
	marked_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION needlewatch.alert_mark_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	INSERT INTO needlewatch.alert_dirty_weeks (week) VALUES (NEW.week);
	RETURN NULL;
END
$$;
CREATE TRIGGER dirty_weeks_mark_alerts AFTER INSERT ON needlewatch.dirty_weeks
	FOR EACH ROW EXECUTE FUNCTION needlewatch.alert_mark_dirty();

INSERT INTO needlewatch.alert_dirty_weeks (week)
SELECT DISTINCT procedure_week FROM needlewatch.reports;

-- Least privilege. needlewatchd computes alerts after each refresh and
-- changes their state for a regulator: it reads and writes them but can
-- never delete one or rewrite the audit trail. Nothing here is in schema
-- summary, so neither the public_* views nor the export can reach it.
REVOKE ALL ON needlewatch.alerts, needlewatch.alert_events, needlewatch.alert_dirty_weeks,
	needlewatch.alert_outbox FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON needlewatch.alerts TO needlewatch_app;
GRANT SELECT ON needlewatch.alert_events TO needlewatch_app;
GRANT SELECT, DELETE ON needlewatch.alert_dirty_weeks TO needlewatch_app;
REVOKE ALL ON FUNCTION needlewatch.alerts_audit_state(), needlewatch.alert_mark_dirty() FROM PUBLIC;
