-- Needlewatch database roles: run once per cluster by a superuser (or a role
-- with CREATEROLE) before `needlewatchctl migrate`. Idempotent.
--
--   needlewatch_owner      owns the schema; needlewatchctl (migrate, premises, tokens)
--   needlewatch_app        needlewatchd: insert reports, read what it needs, nothing more
--   needlewatch_regulator  SELECT on schema summary only
--
-- In production give each LOGIN role a password (ALTER ROLE ... PASSWORD) or
-- use peer/cert authentication in pg_hba.conf.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'needlewatch_owner') THEN
		CREATE ROLE needlewatch_owner LOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'needlewatch_app') THEN
		CREATE ROLE needlewatch_app LOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'needlewatch_regulator') THEN
		CREATE ROLE needlewatch_regulator LOGIN;
	END IF;
END
$$;
