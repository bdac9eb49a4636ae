/* Directory: account and premises look-ups for request threads. */
#include "directory.h"
#include "dbpool.h"
#include "pseudonym.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How long a request waits for a free read connection before answering 503. */
#define POOL_WAIT_MS 2000
/* Our tokens are "nwt_" + 48 hex; anything much longer is not one of ours. */
#define TOKEN_MAX_LEN 128

static const char *const SQL_ACCOUNT_BY_HASH =
	"SELECT a.id, a.role, a.premises_id, p.setting, a.client_cert_sha256"
	" FROM needlewatch.accounts a LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
	" WHERE a.token_sha256 = $1 AND a.revoked_at IS NULL";

static const char *const SQL_ACCOUNT_BY_CLIENT_CERT =
	"SELECT a.id, a.role, a.premises_id, p.setting, a.client_cert_sha256"
	" FROM needlewatch.accounts a LEFT JOIN needlewatch.premises p ON p.id = a.premises_id"
	" WHERE a.client_cert_sha256 = $1 AND a.revoked_at IS NULL";

static const char *const SQL_PREMISES_BY_CODE =
	"SELECT id, setting FROM needlewatch.premises WHERE code = $1";

static enum role role_from_text(const char *s)
{
	if (strcmp(s, "reporter") == 0)
		return ROLE_REPORTER;
	if (strcmp(s, "regulator") == 0)
		return ROLE_REGULATOR;
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	return ROLE_NONE;
}

/* Runs one parameterised query on a pooled connection. NULL result with
 * *ret_unavailable set when the database could not be asked. */
static PGresult *query(struct dbpool *pool, const char *sql, int n, const char *const *params,
		       bool *ret_unavailable)
{
	*ret_unavailable = false;
	PGconn *c = dbpool_get(pool, POOL_WAIT_MS);
	if (!c) {
		*ret_unavailable = true;
		return NULL;
	}
	PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		bool lost = db_result_is_connection_error(c, res);
		dbpool_put(pool, c, lost);
		PQclear(res);
		*ret_unavailable = true;
		return NULL;
	}
	dbpool_put(pool, c, /* broken= */ false);
	return res;
}

static const char *bearer_token(const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	size_t n = strlen(t);
	if (n == 0 || n > TOKEN_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return NULL;
	return t;
}

/* Runs an account query keyed by one hash; fills *ret from its one row. */
static int account_by(struct dbpool *pool, const char *sql, const char *key, struct account *ret)
{
	bool unavailable;
	const char *params[1] = {key};
	PGresult *res = query(pool, sql, 1, params, &unavailable);
	if (!res)
		return -EAGAIN;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -EACCES;
	}
	memset(ret, 0, sizeof(*ret));
	ret->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	ret->role = role_from_text(PQgetvalue(res, 0, 1));
	if (!PQgetisnull(res, 0, 2))
		ret->premises_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	if (!PQgetisnull(res, 0, 3))
		snprintf(ret->premises_setting, sizeof(ret->premises_setting), "%s",
			 PQgetvalue(res, 0, 3));
	if (!PQgetisnull(res, 0, 4))
		snprintf(ret->client_cert_sha256, sizeof(ret->client_cert_sha256), "%s",
			 PQgetvalue(res, 0, 4));
	PQclear(res);
	return ret->role == ROLE_NONE ? -EACCES : 0;
}

int directory_account_by_token(struct dbpool *pool, const char *authorization,
			       struct account *ret)
{
	char hash[65];
	const char *token = bearer_token(authorization);
	if (!token)
		return -EACCES;
	if (sha256_hex(token, strlen(token), hash) < 0)
		return -EACCES;
	return account_by(pool, SQL_ACCOUNT_BY_HASH, hash, ret);
}

int directory_account_by_client_cert(struct dbpool *pool, const char *cert_sha256,
				     struct account *ret)
{
	return account_by(pool, SQL_ACCOUNT_BY_CLIENT_CERT, cert_sha256, ret);
}

int directory_premises_by_code(struct dbpool *pool, const char *code, long long *ret_id,
			       char *ret_setting, size_t setting_len)
{
	bool unavailable;
	const char *params[1] = {code};
	PGresult *res = query(pool, SQL_PREMISES_BY_CODE, 1, params, &unavailable);
	if (!res)
		return -EAGAIN;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -ENOENT;
	}
	*ret_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(ret_setting, setting_len, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

bool directory_ping(struct dbpool *pool)
{
	bool unavailable;
	PGresult *res = query(pool, "SELECT 1", 0, NULL, &unavailable);
	PQclear(res);
	return res != NULL;
}
