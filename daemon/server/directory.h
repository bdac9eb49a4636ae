/* Directory: who is who — accounts by token hash, premises by code — read
 * through the pool of read connections.
 *
 * Accounts found by token or client certificate are cached (core
 * tokencache) once directory_cache_start() has run: a trigger
 * (schema/006_auth_notify.sql) NOTIFYs needlewatch_auth on every change to
 * accounts or premises, and a thread with its own connection LISTENs and
 * forgets the cache at each notification, so `needlewatchctl token revoke`
 * takes effect at once. When that connection drops, the accounts cached
 * keep answering for a bounded time (CACHE_HOLD_MS, 30 s), nothing new is
 * cached, and once it is back the cache starts empty. */
#ifndef NW_DIRECTORY_H
#define NW_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

struct dbpool;

enum role { ROLE_NONE = 0, ROLE_REPORTER, ROLE_REGULATOR, ROLE_ADMIN };

struct account {
	long long id;
	enum role role;
	long long premises_id;      /* reporters only */
	char premises_setting[24];  /* the reporting premises' registered setting */
	/* SHA-256 (hex) of the client certificate the account is bound to, ""
	 * when none: then its token works only over a connection presenting
	 * that certificate (schema/005_hardening.sql). */
	char client_cert_sha256[65];
};

/* Resolves an Authorization header value ("Bearer <token>"). Returns 0 with
 * *ret filled, -EACCES for a missing, malformed, unknown or revoked token,
 * -EAGAIN when the database cannot be asked. Only the token's SHA-256 is
 * sent to the database; the token itself is never stored or logged. */
int directory_account_by_token(struct dbpool *pool, const char *authorization,
			       struct account *ret);

/* The SHA-256 (hex) of the token in an Authorization header value, as
 * accounts.token_sha256 holds it: 0, or -EACCES when it is not a bearer token. */
int directory_token_sha256(const char *authorization, char ret_hash[65]);

/* directory_account_by_token() for a token known by its SHA-256 only (a
 * dashboard session's, sessions.h): the same answers and the same cache. */
int directory_account_by_token_sha256(struct dbpool *pool, const char *token_sha256,
				      struct account *ret);

/* The active account bound to a verified client certificate, by the
 * certificate's SHA-256 (hex): 0 with *ret filled, -EACCES when no active
 * account has it, -EAGAIN when the database cannot be asked. */
int directory_account_by_client_cert(struct dbpool *pool, const char *cert_sha256,
				     struct account *ret);

/* A registered premises by its code: 0 with id and setting, -ENOENT, or -EAGAIN. */
int directory_premises_by_code(struct dbpool *pool, const char *code, long long *ret_id,
			       char *ret_setting, size_t setting_len);

/* SELECT 1 on a pooled connection: true when the database answers. */
bool directory_ping(struct dbpool *pool);

/* Starts the account cache and its listener thread (own connection to
 * conninfo). Without it, every look-up asks the database. 0 or -ENOMEM. */
int directory_cache_start(const char *conninfo);
/* Stops the listener and frees the cache; after the HTTP threads have stopped. */
void directory_cache_stop(void);

#endif
