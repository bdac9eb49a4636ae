/* needlewatchctl migrate: schema files applied in order, each once, each in its
 * own transaction.
 *
 * The ledger, needlewatch.schema_migrations, holds every applied file's name
 * and SHA-256. An applied file that has changed since stops the run before
 * anything is applied: two databases claiming the same migrations must hold
 * the same schema, so a fix goes into a new file, never into an old one. A
 * session advisory lock keeps two runs (two operators, a deploy script and a
 * person) from interleaving; it is released when the connection closes. */
#include "migrate.h"
#include "util.h"
#include "ctl_db.h"
#include "pseudonym.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where `make install` put the schema; the Makefile always defines it from
 * PREFIX (and rebuilds when PREFIX changes). */
#ifndef NW_SCHEMA_DIR
#error "NW_SCHEMA_DIR must be defined (the Makefile passes $(PREFIX)/share/needlewatch/schema)"
#endif
/* A schema file larger than this is a mistake (a data dump?), not a migration. */
#define SCHEMA_FILE_MAX (16L * 1024 * 1024)
/* pg_advisory_lock key: "nwmigrat" in ASCII, recognisable in pg_locks. */
#define MIGRATE_LOCK_KEY "7959951165875183988"

static const char *sql_try_lock = "SELECT pg_try_advisory_lock($1::bigint)";
static const char *sql_lock = "SELECT pg_advisory_lock($1::bigint)";
static const char *sql_create_schema = "CREATE SCHEMA IF NOT EXISTS needlewatch";
static const char *sql_create_ledger = "CREATE TABLE IF NOT EXISTS needlewatch.schema_migrations ("
				       " filename text PRIMARY KEY,"
				       " sha256 text NOT NULL,"
				       " applied_at timestamptz NOT NULL DEFAULT now())";
static const char *sql_select_ledger =
    "SELECT filename, sha256 FROM needlewatch.schema_migrations ORDER BY filename";
static const char *sql_insert_ledger =
    "INSERT INTO needlewatch.schema_migrations (filename, sha256) VALUES ($1, $2)";

struct migration {
	char *name; /* "001_foundation.sql": the ledger key, independent of DIR */
	char *path; /* DIR/name, as the operator sees it */
	char *text; /* the file, NUL-terminated */
	char sha256[65];
	const char *recorded; /* the ledger's sha256, NULL when new; points into ledger */
};

struct plan {
	const char *dir;
	struct migration *v; /* sorted by name */
	size_t n;
	PGresult *ledger;
};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].path);
		free(p->v[i].text);
	}
	free(p->v);
	PQclear(p->ledger);
}

static void store_option(void *state, int c, const char *arg)
{
	if (c == 'd')
		*(const char **)state = arg;
}

/* The installed schema, or an error: never the working directory's schema/,
 * which inside another checkout would be another version's schema. */
static int default_schema_dir(const char **ret_dir)
{
	struct stat st;
	if (stat(NW_SCHEMA_DIR, &st) == 0 && S_ISDIR(st.st_mode)) {
		*ret_dir = NW_SCHEMA_DIR;
		return 0;
	}
	return ctl_usage_error(
	    "migrate",
	    "no schema directory: %s does not exist (not installed?); "
	    "name one with --schema-dir DIR (in a checkout: --schema-dir schema)",
	    NW_SCHEMA_DIR);
}

/* "NNN_anything.sql" with exactly three digits, so that the names sort in
 * the order they must be applied. */
static bool is_migration_name(const char *name)
{
	size_t len = strlen(name);
	return len > 8 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
	       isdigit((unsigned char)name[2]) && name[3] == '_' &&
	       strcmp(name + len - 4, ".sql") == 0;
}

static int compare_migrations(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->name, ((const struct migration *)b)->name);
}

static int plan_add(struct plan *p, size_t *cap, const char *name)
{
	if (p->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct migration *v = realloc(p->v, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		*cap = ncap;
	}
	struct migration *m = &p->v[p->n++];
	memset(m, 0, sizeof(*m));
	size_t dlen = strlen(p->dir);
	const char *sep = dlen && p->dir[dlen - 1] == '/' ? "" : "/";
	m->name = strdup(name);
	if (asprintf(&m->path, "%s%s%s", p->dir, sep, name) < 0)
		m->path = NULL;
	return m->name && m->path ? 0 : -ENOMEM;
}

/* Fills p->v with the directory's migration files, sorted. */
static int plan_list(struct plan *p)
{
	DIR *d = opendir(p->dir);
	if (!d)
		return ctl_fail(EX_NOINPUT, "migrate: cannot open schema directory %s: %s", p->dir,
				strerror(errno));
	size_t cap = 0;
	int rc = 0;
	const struct dirent *e;
	errno = 0;
	while (!rc && (e = readdir(d)))
		if (is_migration_name(e->d_name))
			rc = plan_add(p, &cap, e->d_name);
	int read_errno = errno;
	closedir(d);
	if (rc)
		return ctl_fail(EX_SOFTWARE, "migrate: out of memory");
	if (read_errno)
		return ctl_fail(EX_NOINPUT, "migrate: cannot read schema directory %s: %s", p->dir,
				strerror(read_errno));
	if (p->n == 0)
		return ctl_fail(EX_NOINPUT, "migrate: no NNN_*.sql files in %s", p->dir);
	qsort(p->v, p->n, sizeof(*p->v), compare_migrations);
	return 0;
}

/* Reads m->path into m->text and hashes it, bytes exactly as on disk. */
static int migration_read(struct migration *m)
{
	size_t size = 0;
	int r = util_read_file(m->path, SCHEMA_FILE_MAX, UTIL_FILE_REGULAR, &m->text, &size);
	if (r == -EFBIG || r == -EINVAL || r == -EISDIR)
		return ctl_fail(EX_DATAERR,
				"migrate: %s is not a regular file of at most %ld bytes", m->path,
				SCHEMA_FILE_MAX);
	if (r == -ENOMEM)
		return ctl_fail(EX_SOFTWARE, "migrate: out of memory");
	if (r < 0)
		return ctl_fail(EX_NOINPUT, "migrate: cannot open %s: %s", m->path, strerror(-r));
	/* PQexec takes a C string: a NUL would silently cut the file short. */
	if (memchr(m->text, '\0', size))
		return ctl_fail(EX_DATAERR, "migrate: %s contains a NUL byte", m->path);
	if (sha256_hex(m->text, size, m->sha256) < 0)
		return ctl_fail(EX_SOFTWARE, "migrate: cannot hash %s", m->path);
	return 0;
}

static int take_lock(struct ctl *ctl)
{
	const char *params[] = {MIGRATE_LOCK_KEY};
	PGresult *res = NULL;
	int rc = ctl_db_exec(ctl, sql_try_lock, 1, params, &res);
	if (rc)
		return ctl_fail(rc, "migrate: cannot take the migration lock: %s", ctl->err);
	bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (got)
		return 0;
	fprintf(stderr, "%s: migrate: waiting for another migrate to finish\n", CTL_PROGRAM);
	rc = ctl_db_exec(ctl, sql_lock, 1, params, NULL);
	if (rc)
		return ctl_fail(rc, "migrate: cannot take the migration lock: %s", ctl->err);
	return 0;
}

/* Takes the lock, makes sure the ledger exists, and marks each file that the
 * ledger already holds. */
static int plan_read_ledger(struct ctl *ctl, struct plan *p)
{
	int rc = take_lock(ctl);
	if (rc)
		return rc;
	rc = ctl_db_exec(ctl, sql_create_schema, 0, NULL, NULL);
	if (!rc)
		rc = ctl_db_exec(ctl, sql_create_ledger, 0, NULL, NULL);
	if (!rc)
		rc = ctl_db_exec(ctl, sql_select_ledger, 0, NULL, &p->ledger);
	if (rc)
		return ctl_fail(rc, "migrate: cannot read needlewatch.schema_migrations: %s",
				ctl->err);

	for (int row = 0; row < PQntuples(p->ledger); row++) {
		struct migration key = {.name = PQgetvalue(p->ledger, row, 0)};
		struct migration *m = bsearch(&key, p->v, p->n, sizeof(*p->v), compare_migrations);
		if (m)
			m->recorded = PQgetvalue(p->ledger, row, 1);
		else
			fprintf(stderr, "%s: migrate: warning: %s was applied but is not in %s\n",
				CTL_PROGRAM, key.name, p->dir);
	}
	return 0;
}

/* Refuses the whole run, before anything is applied, when history was edited. */
static int plan_check(const struct plan *p)
{
	const struct migration *last_applied = NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct migration *m = &p->v[i];
		if (!m->recorded)
			continue;
		if (strcmp(m->recorded, m->sha256) != 0) {
			ctl_fail(EX_DATAERR,
				 "migrate: %s has changed since it was applied (recorded sha256 "
				 "%s, now %s)",
				 m->path, m->recorded, m->sha256);
			fprintf(stderr,
				"%s: migrate: hint: restore the file as it was applied and "
				"put the change in a new NNN_*.sql file\n",
				CTL_PROGRAM);
			return EX_DATAERR;
		}
		last_applied = m;
	}
	/* A new file numbered below an applied one was written against an
	 * older schema (a merge?); applying it now could mean anything. */
	for (const struct migration *m = p->v; last_applied && m < last_applied; m++)
		if (!m->recorded)
			return ctl_fail(EX_DATAERR,
					"migrate: %s is new but sorts before %s, which is already "
					"applied; renumber it",
					m->path, last_applied->name);
	return 0;
}

/* The line of text holding the 1-based character position pos (UTF-8). */
static int line_of_position(const char *text, long pos)
{
	int line = 1;
	long chars = 0;
	for (const char *s = text; *s && chars < pos - 1; s++) {
		if (((unsigned char)*s & 0xC0) == 0x80)
			continue;
		if (*s == '\n')
			line++;
		chars++;
	}
	return line;
}

/* Applies one file and records it, in one transaction: both or neither. */
static int migration_apply(struct ctl *ctl, const struct migration *m)
{
	const char *params[] = {m->name, m->sha256};
	long pos;
	int rc = ctl_db_begin(ctl);
	if (rc)
		return ctl_fail(rc, "migrate: %s: %s", m->path, ctl->err);
	rc = ctl_db_exec_script(ctl, m->text, &pos);
	if (rc) {
		ctl_db_rollback(ctl);
		if (rc == EX_SOFTWARE)
			rc = EX_DATAERR; /* what the server refused is the file */
		if (pos > 0)
			return ctl_fail(rc, "migrate: %s:%d: %s", m->path,
					line_of_position(m->text, pos), ctl->err);
		return ctl_fail(rc, "migrate: %s: %s", m->path, ctl->err);
	}
	if (PQtransactionStatus(ctl->db) != PQTRANS_INTRANS)
		return ctl_fail(EX_DATAERR,
				"migrate: %s ends the transaction itself (COMMIT or ROLLBACK), so "
				"it may be partly applied and is not recorded: check the database, "
				"then remove those statements",
				m->path);
	rc = ctl_db_exec(ctl, sql_insert_ledger, 2, params, NULL);
	if (!rc)
		rc = ctl_db_commit(ctl);
	if (rc) {
		ctl_db_rollback(ctl);
		return ctl_fail(rc, "migrate: %s: cannot record it as applied: %s", m->path,
				ctl->err);
	}
	return 0;
}

int migrate_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"schema-dir", required_argument, NULL, 'd'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct plan p = {0};
	size_t applied = 0, current = 0;
	int first_arg = 0;
	int rc = ctl_parse_options("migrate", argc, argv, opts, store_option, &p.dir, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("migrate", "unexpected argument '%s'", argv[first_arg]);
	if (!p.dir && (rc = default_schema_dir(&p.dir)) != 0)
		return rc;

	/* Files first: a missing or unreadable file needs no database. */
	rc = plan_list(&p);
	for (size_t i = 0; !rc && i < p.n; i++)
		rc = migration_read(&p.v[i]);
	if (!rc)
		rc = ctl_open(ctl);
	if (!rc)
		rc = plan_read_ledger(ctl, &p);
	if (!rc)
		rc = plan_check(&p);
	if (rc)
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		if (p.v[i].recorded) {
			current++;
			continue;
		}
		rc = migration_apply(ctl, &p.v[i]);
		if (rc)
			goto out;
		printf("migrate: applied %s\n", p.v[i].path);
		fflush(stdout);
		applied++;
	}
	printf("migrate: %zu applied, %zu already current\n", applied, current);
out:
	plan_free(&p);
	return rc;
}
