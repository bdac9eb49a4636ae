/* TLS: reloadable server credentials and client-certificate checks.
 *
 * Design: a `struct tls_creds` is one loaded certificate chain and key, never
 * changed after loading and freed when its reference count drops to zero.
 * The current snapshot (snapshot.h) holds one reference; each accepted
 * connection takes another from the snapshot current when it is accepted
 * (http.c's NOTIFY_CONNECTION callback) and keeps it in its struct
 * conn_state (connstate.h), which the GnuTLS
 * retrieve callback reads (GnuTLS hands the callback the session, whose
 * session pointer libmicrohttpd sets to the connection). GnuTLS neither
 * copies nor frees what the callback returns, so the reference is what keeps
 * it valid until the connection is closed. */
#include "tls.h"
#include "util.h"
#include "connstate.h"
#include "log.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A leaf and its intermediates; more is a mistake in the file. */
#define CHAIN_MAX 16
#define PEM_MAX (1024 * 1024)

struct tls_creds {
	atomic_int refs;
	gnutls_pcert_st pcerts[CHAIN_MAX];
	unsigned npcerts;
	gnutls_privkey_t key;
	unsigned char files_sha256[32]; /* of the two files' bytes: "unchanged" on reload */
	char fingerprint[65];		/* SHA-256 of the leaf, hex */
};

/* The whole file in a gnutls_datum_t (malloc'd, NUL-terminated). */
static int read_pem(const char *path, gnutls_datum_t *ret, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n = 0;
	int r = util_read_file(path, PEM_MAX, 0, &buf, &n);
	if (r == 0 && n > 0) {
		ret->data = (unsigned char *)buf;
		ret->size = (unsigned)n;
		return 0;
	}
	free(buf);
	if (r == -EFBIG || r == 0) {
		snprintf(err, errlen, "%s: empty, unreadable or larger than 1 MiB", path);
		return -EINVAL;
	}
	snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return r;
}

static void creds_unref(struct tls_creds *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < c->npcerts; i++)
		gnutls_pcert_deinit(&c->pcerts[i]);
	if (c->key)
		gnutls_privkey_deinit(c->key);
	free(c);
}

/* True when key is the private half of the leaf certificate's public key:
 * serving a certificate with another key fails every handshake. */
static bool key_matches(const struct tls_creds *c)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t a = {0}, b = {0};
	bool same = false;
	if (gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, c->key, 0, 0) == 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a) == 0 &&
	    gnutls_pubkey_export2(c->pcerts[0].pubkey, GNUTLS_X509_FMT_DER, &b) == 0)
		same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
	return same;
}

static int creds_import(struct tls_creds *c, const gnutls_datum_t *cert, const gnutls_datum_t *key,
			const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	unsigned n = CHAIN_MAX;
	int r = gnutls_pcert_list_import_x509_raw(c->pcerts, &n, cert, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0) {
		snprintf(err, errlen, "%s: not a PEM certificate chain of at most %d: %s",
			 cert_file, CHAIN_MAX, gnutls_strerror(r));
		return -EINVAL;
	}
	c->npcerts = n;
	if ((r = gnutls_privkey_init(&c->key)) < 0 ||
	    (r = gnutls_privkey_import_x509_raw(c->key, key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(err, errlen, "%s: not an unencrypted PEM private key: %s", key_file,
			 gnutls_strerror(r));
		return -EINVAL;
	}
	if (!key_matches(c)) {
		snprintf(err, errlen, "%s does not belong to the certificate in %s", key_file,
			 cert_file);
		return -EINVAL;
	}
	unsigned char d[32];
	gnutls_hash_fast(GNUTLS_DIG_SHA256, c->pcerts[0].cert.data, c->pcerts[0].cert.size, d);
	util_hex_encode(d, sizeof(d), c->fingerprint);
	return 0;
}

/* Loads a new set holding one reference. NULL with err set. */
static struct tls_creds *creds_load(const char *cert_file, const char *key_file, char *err,
				    size_t errlen)
{
	gnutls_datum_t cert = {0}, key = {0};
	struct tls_creds *c = NULL;
	gnutls_hash_hd_t h;

	if (read_pem(cert_file, &cert, err, errlen) < 0 ||
	    read_pem(key_file, &key, err, errlen) < 0)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	atomic_init(&c->refs, 1);
	if (creds_import(c, &cert, &key, cert_file, key_file, err, errlen) < 0) {
		creds_unref(c);
		c = NULL;
		goto out;
	}
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) == 0) {
		gnutls_hash(h, cert.data, cert.size);
		gnutls_hash(h, key.data, key.size);
		gnutls_hash_deinit(h, c->files_sha256);
	}
out:
	/* The key file is secret: do not leave it in freed heap memory. */
	if (key.data)
		explicit_bzero(key.data, key.size);
	free(key.data);
	free(cert.data);
	return c;
}

struct tls_creds *tls_creds_load(const char *cert_file, const char *key_file, char *err,
				 size_t errlen)
{
	return creds_load(cert_file, key_file, err, errlen);
}

struct tls_creds *tls_creds_ref(struct tls_creds *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void tls_creds_unref(struct tls_creds *c)
{
	creds_unref(c);
}

bool tls_creds_same_files(const struct tls_creds *a, const struct tls_creds *b)
{
	return a && b && memcmp(a->files_sha256, b->files_sha256, sizeof(a->files_sha256)) == 0;
}

const char *tls_creds_fingerprint(const struct tls_creds *c)
{
	return c->fingerprint;
}

int tls_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
		      const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
		      gnutls_pcert_st **pcert, unsigned int *pcert_length,
		      gnutls_privkey_t *privkey)
{
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	struct MHD_Connection *conn = gnutls_session_get_ptr(session);
	struct conn_state *cs = conn ? conn_state_of(conn) : NULL;
	struct tls_creds *c = cs ? cs->tls : NULL;
	if (!c)
		return -1; /* fails the handshake */
	*pcert = c->pcerts;
	*pcert_length = c->npcerts;
	*privkey = c->key;
	return 0;
}

int tls_client_cert_sha256(struct MHD_Connection *conn, char ret_hex[65])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return -ENOENT;
	gnutls_session_t session = ci->tls_session;
	unsigned n = 0, status = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(session, &n);
	if (!chain || n == 0)
		return -ENOENT;
	/* Against the trust list MHD loaded from tls_client_ca_file; a client
	 * certificate whose extended key usage excludes TLS client use is refused. */
	gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
					 .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
	if (gnutls_certificate_verify_peers(session, &purpose, 1, &status) < 0 || status != 0)
		return -EACCES;
	unsigned char d[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, chain[0].data, chain[0].size, d) < 0)
		return -EACCES;
	util_hex_encode(d, sizeof(d), ret_hex);
	return 0;
}
