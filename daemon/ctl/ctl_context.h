/* needlewatchctl's bottom layer: the context every command shares and the
 * one way a command reports a failure. It includes no other needlewatchctl
 * header, so the database layer (ctl_db.h), the help texts (help.h) and the
 * commands can all use it while the dispatcher (ctl.h) sits above them.
 *
 * Every command returns a sysexits(3) code. Errors are printed once, by the
 * command, with ctl_fail(); lower layers (ctl_db.c) only leave their reason
 * in ctl->err. */
#ifndef NW_CTL_CONTEXT_H
#define NW_CTL_CONTEXT_H

#include "config.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <sysexits.h>

#define CTL_PROGRAM "needlewatchctl"
#define CTL_VERSION "0.1.0"

struct ctl {
	const char *config_path; /* -c, or CONFIG_DEFAULT_PATH; not owned */
	struct config cfg;	 /* valid once ctl_open() succeeded */
	bool cfg_loaded;
	PGconn *db;	  /* the one connection, owner role */
	char actor[96];	  /* "needlewatchctl:<os user>" for audit_log */
	char sqlstate[6]; /* of the last failed statement, "" when none */
	char err[512];	  /* reason of the last ctl_db_* failure, one line */
};

/* Prints "needlewatchctl: <message>" to stderr and returns code, so a command
 * can `return ctl_fail(EX_DATAERR, "...")`. */
int ctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a usage error for cmd ("premises add", or NULL before a command
 * was named) and returns EX_USAGE. */
int ctl_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
