/* needlewatchctl token: create, revoke and list API tokens.
 *
 * A token is "nwt_" and 48 hex digits: 192 bits from GnuTLS's key-grade
 * generator, the prefix so that people and secret scanners recognise one.
 * Only its SHA-256 is stored (a plain hash suffices: the token is random, not
 * a password, so there is nothing to brute-force). It is printed once, after
 * the commit, and never written anywhere else: not to the audit log, not to
 * stderr. */
#include "ctl_json.h"
#include "token.h"
#include "util.h"
#include "ctl_db.h"
#include "pseudonym.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_PREFIX "nwt_"
#define TOKEN_RANDOM_BYTES 24
#define TOKEN_LEN (sizeof(TOKEN_PREFIX) - 1 + 2 * TOKEN_RANDOM_BYTES)
/* accounts.name is free text shown in lists: keep it to one short line. */
#define NAME_MAX_CHARS 200

static const char *sql_select_premises =
    "SELECT name, code FROM needlewatch.premises WHERE id = $1::bigint";
static const char *sql_insert_account =
    "INSERT INTO needlewatch.accounts (token_sha256, role, premises_id, name, client_cert_sha256) "
    "VALUES ($1, $2, $3::bigint, $4, $5) RETURNING id";
static const char *sql_revoke_account =
    "UPDATE needlewatch.accounts SET revoked_at = now() "
    "WHERE id = $1::bigint AND revoked_at IS NULL RETURNING role, premises_id";
static const char *sql_select_revoked =
    "SELECT date_trunc('second', revoked_at) FROM needlewatch.accounts WHERE id = $1::bigint";
static const char *sql_list_accounts =
    "SELECT id, role, premises_id, name, date_trunc('second', created_at), "
    "date_trunc('second', revoked_at) FROM needlewatch.accounts ORDER BY id";

struct token_args {
	const char *role;
	const char *premises;
	const char *name;
	const char *client_cert;     /* --client-cert FILE, NULL when not given */
	char premises_id[24];	     /* canonical decimal, "" for regulator and admin */
	char client_cert_sha256[65]; /* of the certificate's DER, "" when none */
};

struct account {
	char token[TOKEN_LEN + 1];
	char sha256[65];
	char id[24];
	char owner[1024]; /* "reporter at premises 42 (Name, P000042)", "regulator Jo Bloggs" */
};

static void store_option(void *state, int c, const char *arg)
{
	struct token_args *a = state;
	if (c == 'r')
		a->role = arg;
	else if (c == 'p')
		a->premises = arg;
	else if (c == 'n')
		a->name = arg;
	else if (c == 'c')
		a->client_cert = arg;
}

/* The SHA-256 of the certificate's DER encoding: what the daemon computes
 * from the certificate a client presents (schema/005_hardening.sql). */
static int client_cert_fingerprint(struct token_args *a)
{
	gnutls_datum_t pem = {0}, der = {0};
	gnutls_x509_crt_t crt = NULL;
	unsigned char d[32];
	int r = gnutls_load_file(a->client_cert, &pem);
	if (r < 0)
		return ctl_usage_error("token create", "--client-cert %s: cannot read the file",
				       a->client_cert);
	if ((r = gnutls_x509_crt_init(&crt)) >= 0 &&
	    (r = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM)) >= 0 &&
	    (r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der)) >= 0)
		r = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, d);
	gnutls_x509_crt_deinit(crt);
	gnutls_free(pem.data);
	gnutls_free(der.data);
	if (r < 0)
		return ctl_usage_error("token create",
				       "--client-cert %s: not a PEM certificate: %s",
				       a->client_cert, gnutls_strerror(r));
	util_hex_encode(d, sizeof(d), a->client_cert_sha256);
	return 0;
}

static int check_create_args(struct token_args *a)
{
	long long id;
	if (!a->role)
		return ctl_usage_error("token create",
				       "--role is needed: reporter, regulator or admin");
	if (a->client_cert && client_cert_fingerprint(a) != 0)
		return EX_USAGE;
	if (a->name && !ctl_valid_name(a->name, NAME_MAX_CHARS))
		return ctl_usage_error(
		    "token create", "--name must be 1 to %d characters, without control characters",
		    NAME_MAX_CHARS);
	if (strcmp(a->role, "reporter") == 0) {
		if (!a->premises)
			return ctl_usage_error("token create",
					       "a reporter token needs --premises ID");
		if (ctl_parse_id(a->premises, &id) < 0)
			return ctl_usage_error("token create", "--premises '%s' is not an id",
					       a->premises);
		snprintf(a->premises_id, sizeof(a->premises_id), "%lld", id);
		return 0;
	}
	if (strcmp(a->role, "regulator") != 0 && strcmp(a->role, "admin") != 0)
		return ctl_usage_error("token create",
				       "--role '%s' is not one of reporter, regulator, admin",
				       a->role);
	if (a->premises)
		return ctl_usage_error("token create",
				       "only a reporter token belongs to a premises");
	if (!a->name)
		return ctl_usage_error("token create", "a %s token needs --name NAME", a->role);
	return 0;
}

static int token_generate(struct account *acc)
{
	unsigned char raw[TOKEN_RANDOM_BYTES];
	if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) < 0)
		return -1;
	char *p = acc->token + strlen(TOKEN_PREFIX);
	memcpy(acc->token, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	util_hex_encode(raw, sizeof(raw), p);
	explicit_bzero(raw, sizeof(raw));
	return sha256_hex(acc->token, TOKEN_LEN, acc->sha256) < 0 ? -1 : 0;
}

/* Builds acc->owner; for a reporter, also checks that the premises exists. */
static int describe_owner(struct ctl *ctl, const struct token_args *a, struct account *acc)
{
	const char *params[] = {a->premises_id};
	PGresult *res = NULL;
	if (!a->premises_id[0]) {
		snprintf(acc->owner, sizeof(acc->owner), "%s %s", a->role, a->name);
		return 0;
	}
	int rc = ctl_db_exec(ctl, sql_select_premises, 1, params, &res);
	if (rc)
		return ctl_fail(rc, "token create: %s", ctl->err);
	if (PQntuples(res) == 0)
		rc = ctl_fail(EX_DATAERR, "token create: premises %s does not exist",
			      a->premises_id);
	else
		snprintf(acc->owner, sizeof(acc->owner), "reporter at premises %s (%s, %s)",
			 a->premises_id, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return rc;
}

static int audit_account(struct ctl *ctl, const char *action, const char *id, const char *role,
			 const char *premises_id, const char *client_cert_sha256)
{
	cJSON *detail = cJSON_CreateObject();
	bool ok =
	    detail && cJSON_AddNumberToObject(detail, "id", strtod(id, NULL)) &&
	    cJSON_AddStringToObject(detail, "role", role) &&
	    (premises_id ? cJSON_AddNumberToObject(detail, "premises", strtod(premises_id, NULL))
			 : cJSON_AddNullToObject(detail, "premises")) &&
	    (!client_cert_sha256 ||
	     cJSON_AddStringToObject(detail, "client_cert_sha256", client_cert_sha256));
	if (!ok) {
		cJSON_Delete(detail);
		snprintf(ctl->err, sizeof(ctl->err), "out of memory");
		return EX_SOFTWARE;
	}
	int rc = ctl_db_audit(ctl, action, detail);
	cJSON_Delete(detail);
	return rc;
}

/* Stores the account and its audit row in one transaction; fills acc->id. */
static int account_insert(struct ctl *ctl, const struct token_args *a, struct account *acc)
{
	const char *params[] = {acc->sha256, a->role, a->premises_id[0] ? a->premises_id : NULL,
				a->name, a->client_cert_sha256[0] ? a->client_cert_sha256 : NULL};
	PGresult *res = NULL;
	int rc = ctl_db_begin(ctl);
	if (rc)
		return ctl_fail(rc, "token create: %s", ctl->err);
	rc = describe_owner(ctl, a, acc);
	if (rc) {
		ctl_db_rollback(ctl);
		return rc;
	}
	rc = ctl_db_exec(ctl, sql_insert_account, 5, params, &res);
	if (!rc) {
		snprintf(acc->id, sizeof(acc->id), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		rc = audit_account(ctl, "token_create", acc->id, a->role, params[2], params[4]);
	}
	if (!rc)
		rc = ctl_db_commit(ctl);
	if (rc) {
		ctl_db_rollback(ctl);
		return ctl_fail(rc, "token create: %s", ctl->err);
	}
	return 0;
}

static int token_create(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"role", required_argument, NULL, 'r'},
	    {"premises", required_argument, NULL, 'p'},
	    {"name", required_argument, NULL, 'n'},
	    {"client-cert", required_argument, NULL, 'c'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct token_args a = {0};
	struct account acc = {0};
	int first_arg = 0;
	int rc = ctl_parse_options("token create", argc, argv, opts, store_option, &a, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("token create", "unexpected argument '%s'", argv[first_arg]);
	rc = check_create_args(&a);
	if (!rc)
		rc = ctl_open(ctl);
	if (rc)
		return rc;
	if (token_generate(&acc) < 0)
		return ctl_fail(EX_SOFTWARE, "token create: cannot generate a random token");

	rc = account_insert(ctl, &a, &acc);
	if (!rc) {
		if (a.client_cert_sha256[0])
			printf("token id %s is bound to the client certificate with SHA-256 %s\n",
			       acc.id, a.client_cert_sha256);
		printf(
		    "token id %s created for %s; it is shown once, only its hash is stored:\n%s\n",
		    acc.id, acc.owner, acc.token);
		/* Committed but never seen is a token nobody can use: say how to clean up. */
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = ctl_fail(EX_IOERR,
				      "token create: token id %s was created but could "
				      "not be printed; revoke it with '%s token revoke %s'",
				      acc.id, CTL_PROGRAM, acc.id);
	}
	explicit_bzero(acc.token, sizeof(acc.token));
	return rc;
}

/* Words the refusal when no active token had that id. */
static int report_not_revoked(struct ctl *ctl, const char *id)
{
	const char *params[] = {id};
	PGresult *res = NULL;
	int rc = ctl_db_exec(ctl, sql_select_revoked, 1, params, &res);
	if (rc)
		return ctl_fail(rc, "token revoke: %s", ctl->err);
	if (PQntuples(res) == 0)
		rc = ctl_fail(EX_DATAERR, "token revoke: token %s does not exist", id);
	else
		rc = ctl_fail(EX_DATAERR, "token revoke: token %s is already revoked (since %s)",
			      id, PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static int token_revoke(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {CTL_OPTION_HELP, CTL_OPTION_END};
	char id[24];
	long long n;
	PGresult *res = NULL;
	int first_arg = 0;
	int rc = ctl_parse_options("token revoke", argc, argv, opts, NULL, NULL, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (argc - first_arg != 1 || ctl_parse_id(argv[first_arg], &n) < 0)
		return ctl_usage_error("token revoke", "one TOKEN_ID (a number, see 'token list') "
						       "is needed");
	snprintf(id, sizeof(id), "%lld", n);
	const char *params[] = {id};
	rc = ctl_open(ctl);
	if (rc)
		return rc;

	rc = ctl_db_begin(ctl);
	if (!rc)
		rc = ctl_db_exec(ctl, sql_revoke_account, 1, params, &res);
	if (!rc && PQntuples(res) == 0) {
		ctl_db_rollback(ctl);
		PQclear(res);
		return report_not_revoked(ctl, id);
	}
	if (!rc)
		rc = audit_account(ctl, "token_revoke", id, PQgetvalue(res, 0, 0),
				   PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1), NULL);
	if (!rc)
		rc = ctl_db_commit(ctl);
	PQclear(res);
	if (rc) {
		ctl_db_rollback(ctl);
		return ctl_fail(rc, "token revoke: %s", ctl->err);
	}
	printf("token id %s revoked\n", id);
	return 0;
}

static void store_json(void *state, int c, const char *arg)
{
	(void)arg;
	if (c == 'j')
		*(bool *)state = true;
}

static int token_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, CTL_OPTION_HELP, CTL_OPTION_END};
	static const char *const headers[] = {"id",   "role",	    "premises",
					      "name", "created_at", "revoked_at"};
	PGresult *res = NULL;
	bool json = false;
	int first_arg = 0;
	int rc = ctl_parse_options("token list", argc, argv, opts, store_json, &json, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("token list", "unexpected argument '%s'", argv[first_arg]);
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	rc = ctl_db_exec(ctl, sql_list_accounts, 0, NULL, &res);
	if (rc)
		return ctl_fail(rc, "token list: %s", ctl->err);
	if ((json ? ctl_print_json(res, headers, stdout) : ctl_print_table(res, headers, stdout)) <
	    0)
		rc = ctl_fail(EX_SOFTWARE, "token list: out of memory");
	PQclear(res);
	return rc;
}

int token_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct ctl_command cmds[] = {
	    {"create", token_create},
	    {"revoke", token_revoke},
	    {"list", token_list},
	    {NULL, NULL},
	};
	return ctl_dispatch(ctl, "token", cmds, argc - 1, argv + 1);
}
