-- 006: tell needlewatchd when accounts or premises change.
--
-- needlewatchd caches the account behind each token and client certificate
-- it has seen (daemon/server/directory.c), so that a request costs no
-- database round trip to authenticate. A revocation must still take effect
-- at once: every change to accounts (revoke, rebind, delete) or premises (a
-- new setting) sends NOTIFY needlewatch_auth when it commits, and the daemon,
-- which LISTENs on a connection of its own, forgets its cache. New rows need
-- no notice: the daemon caches only accounts it has found, never an absence.

CREATE FUNCTION needlewatch.notify_auth_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM pg_notify('needlewatch_auth', TG_TABLE_NAME);
	RETURN NULL;
END
$$;

CREATE TRIGGER accounts_notify_auth
	AFTER UPDATE OR DELETE OR TRUNCATE ON needlewatch.accounts
	FOR EACH STATEMENT EXECUTE FUNCTION needlewatch.notify_auth_change();
CREATE TRIGGER premises_notify_auth
	AFTER UPDATE OR DELETE OR TRUNCATE ON needlewatch.premises
	FOR EACH STATEMENT EXECUTE FUNCTION needlewatch.notify_auth_change();
