/* needlewatchctl's database access: one connection, parameterised statements,
 * explicit transactions and the audit log.
 *
 * Functions returning int return 0 or a sysexits(3) code and leave a one-line
 * reason in ctl->err (and the SQLSTATE in ctl->sqlstate); they print nothing,
 * so the command reports the failure once, in its own words. */
#ifndef NW_CTL_DB_H
#define NW_CTL_DB_H

#include "util.h"

#include "ctl_context.h"

#include <cjson/cJSON.h>
#include <libpq-fe.h>

/* Connects with conninfo (PQconnectdbParams, fallback_application_name
 * "needlewatchctl"). On failure returns EX_UNAVAILABLE, or EX_CONFIG when
 * conninfo does not parse; ctl->err never contains the password. */
NW_MUSTCHECK int ctl_db_connect(struct ctl *ctl, const char *conninfo);

/* Runs one parameterised statement (params may hold NULLs for SQL NULL).
 * On success *ret_res (when ret_res is not NULL) is the caller's to PQclear().
 * Failure codes: EX_UNAVAILABLE (connection lost, SQLSTATE 08/57P),
 * EX_DATAERR (22, 23: the data was refused; 42P01, 3F000: not migrated),
 * EX_SOFTWARE (anything else). */
NW_MUSTCHECK int ctl_db_exec(struct ctl *ctl, const char *sql, int nparams,
			     const char *const *params, PGresult **ret_res);

/* Runs a multi-statement SQL text with PQexec: the one non-parameterised
 * path, for migrate's schema files, which are our own text and never input.
 * On failure *ret_position is the 1-based character offset of the error in
 * text (0 when the server gave none). */
NW_MUSTCHECK int ctl_db_exec_script(struct ctl *ctl, const char *text, long *ret_position);

NW_MUSTCHECK int ctl_db_begin(struct ctl *ctl);
NW_MUSTCHECK int ctl_db_commit(struct ctl *ctl);
/* Rolls back an open transaction, keeping ctl->err (the reason we are
 * rolling back) intact. */
void ctl_db_rollback(struct ctl *ctl);

/* Inserts an audit_log row: actor ctl->actor, action, detail (an object;
 * NULL means {}). Call inside the transaction that made the change. Never
 * put a token or a token hash in detail. */
NW_MUSTCHECK int ctl_db_audit(struct ctl *ctl, const char *action, const cJSON *detail);

#endif
