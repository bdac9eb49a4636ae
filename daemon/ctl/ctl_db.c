/* needlewatchctl's database access: one connection, checked results, audit rows. */
#include "ctl_db.h"
#include "termtext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sql_begin = "BEGIN";
static const char *sql_commit = "COMMIT";
static const char *sql_rollback = "ROLLBACK";
static const char *sql_audit_insert =
    "INSERT INTO needlewatch.audit_log (actor, action, detail) VALUES ($1, $2, $3::jsonb)";

/* The first line of a libpq error message, without its newline, into buf:
 * the lines after it are hints written for psql users. */
static const char *first_line(const char *msg, char *buf, size_t buflen)
{
	if (!msg)
		msg = "";
	size_t n = strcspn(msg, "\n");
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

/* Replaces every occurrence of secret in buf with asterisks, in place. libpq
 * does not normally echo a password, but the message ends up on a terminal
 * or in a cron mail, so we make sure. */
static void mask_secret(char *buf, const char *secret)
{
	if (!secret || !*secret)
		return;
	size_t len = strlen(secret);
	for (char *p = strstr(buf, secret); p; p = strstr(p + len, secret))
		memset(p, '*', len);
}

static const char *conninfo_value(const PQconninfoOption *opts, const char *keyword)
{
	for (const PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val;
	return NULL;
}

/* NOTICEs are chatter for an operator ("schema ... already exists, skipping"
 * on every second migrate); only WARNINGs are worth a line on stderr. */
static void notice_receiver(void *arg, const PGresult *res)
{
	(void)arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (!severity || strcmp(severity, "WARNING") != 0)
		return;
	fputs(CTL_PROGRAM ": ", stderr);
	termtext_fputs(PQresultErrorMessage(res), stderr, /* keep_newlines= */ true);
}

int ctl_db_connect(struct ctl *ctl, const char *conninfo)
{
	char *parse_err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &parse_err);
	if (!opts) {
		/* parse_err quotes the offending part of the string, which may be
		 * the password: do not show it. */
		PQfreemem(parse_err);
		snprintf(ctl->err, sizeof(ctl->err), "not a valid libpq connection string");
		return EX_CONFIG;
	}

	/* expand_dbname: conninfo is a whole connection string or URI; ours
	 * comes first so that an application_name in it still wins. */
	const char *const keys[] = {"fallback_application_name", "dbname", NULL};
	const char *const vals[] = {CTL_PROGRAM, conninfo, NULL};
	ctl->db = PQconnectdbParams(keys, vals, /* expand_dbname= */ 1);
	if (!ctl->db || PQstatus(ctl->db) != CONNECTION_OK) {
		first_line(ctl->db ? PQerrorMessage(ctl->db) : "out of memory", ctl->err,
			   sizeof(ctl->err));
		mask_secret(ctl->err, conninfo_value(opts, "password"));
		PQconninfoFree(opts);
		PQfinish(ctl->db);
		ctl->db = NULL;
		return EX_UNAVAILABLE;
	}
	PQconninfoFree(opts);
	PQsetNoticeReceiver(ctl->db, notice_receiver, NULL);
	return 0;
}

static bool sqlstate_is(const char *state, const char *prefix)
{
	return strncmp(state, prefix, strlen(prefix)) == 0;
}

/* Fills ctl->err and ctl->sqlstate from a failed result and picks the exit code. */
static int record_failure(struct ctl *ctl, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char line[400];

	snprintf(ctl->sqlstate, sizeof(ctl->sqlstate), "%s", state ? state : "");
	if (!primary)
		primary = first_line(PQerrorMessage(ctl->db), line, sizeof(line));
	if (detail)
		snprintf(ctl->err, sizeof(ctl->err), "%s (%s)", primary, detail);
	else
		snprintf(ctl->err, sizeof(ctl->err), "%s", primary);

	if (PQstatus(ctl->db) == CONNECTION_BAD || sqlstate_is(ctl->sqlstate, "08") ||
	    sqlstate_is(ctl->sqlstate, "57P"))
		return EX_UNAVAILABLE;
	if (sqlstate_is(ctl->sqlstate, "22") || sqlstate_is(ctl->sqlstate, "23"))
		return EX_DATAERR;
	if (strcmp(ctl->sqlstate, "42P01") == 0 || strcmp(ctl->sqlstate, "3F000") == 0) {
		size_t n = strlen(ctl->err);
		snprintf(ctl->err + n, sizeof(ctl->err) - n,
			 "; has 'needlewatchctl migrate' been run?");
		return EX_DATAERR;
	}
	if (strcmp(ctl->sqlstate, "42501") == 0) {
		size_t n = strlen(ctl->err);
		snprintf(ctl->err + n, sizeof(ctl->err) - n,
			 "; db_admin_conninfo must name the needlewatch_owner role");
		return EX_CONFIG;
	}
	return EX_SOFTWARE;
}

int ctl_db_exec(struct ctl *ctl, const char *sql, int nparams, const char *const *params,
		PGresult **ret_res)
{
	ctl->sqlstate[0] = '\0';
	ctl->err[0] = '\0';
	PGresult *res = PQexecParams(ctl->db, sql, nparams, NULL, params, NULL, NULL,
				     /* resultFormat= text */ 0);
	ExecStatusType status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		int code = record_failure(ctl, res);
		PQclear(res);
		return code;
	}
	if (ret_res)
		*ret_res = res;
	else
		PQclear(res);
	return 0;
}

int ctl_db_exec_script(struct ctl *ctl, const char *text, long *ret_position)
{
	ctl->sqlstate[0] = '\0';
	ctl->err[0] = '\0';
	*ret_position = 0;
	/* PQexec, not PQexecParams: only the simple query protocol accepts
	 * several statements in one string. Safe because the text is one of
	 * our schema files, read from the installed schema directory. */
	PGresult *res = PQexec(ctl->db, text);
	ExecStatusType status = PQresultStatus(res);
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
	    status == PGRES_EMPTY_QUERY) {
		PQclear(res);
		return 0;
	}
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	if (pos)
		*ret_position = strtol(pos, NULL, 10);
	int code = record_failure(ctl, res);
	PQclear(res);
	return code;
}

int ctl_db_begin(struct ctl *ctl)
{
	return ctl_db_exec(ctl, sql_begin, 0, NULL, NULL);
}

int ctl_db_commit(struct ctl *ctl)
{
	return ctl_db_exec(ctl, sql_commit, 0, NULL, NULL);
}

void ctl_db_rollback(struct ctl *ctl)
{
	PGTransactionStatusType ts = PQtransactionStatus(ctl->db);
	if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
		return;
	/* A failed ROLLBACK means the connection is gone, and with it the
	 * transaction: nothing to add to the error already being reported. */
	PQclear(PQexecParams(ctl->db, sql_rollback, 0, NULL, NULL, NULL, NULL, 0));
}

int ctl_db_audit(struct ctl *ctl, const char *action, const cJSON *detail)
{
	char *json = detail ? cJSON_PrintUnformatted(detail) : NULL;
	if (detail && !json) {
		snprintf(ctl->err, sizeof(ctl->err), "audit detail: out of memory");
		return EX_SOFTWARE;
	}
	const char *params[] = {ctl->actor, action, json ? json : "{}"};
	int rc = ctl_db_exec(ctl, sql_audit_insert, 3, params, NULL);
	cJSON_free(json);
	return rc;
}
