/* TLS: the server's certificate and key, part of the reload snapshot
 * (snapshot.h), and the client certificate of a connection.
 *
 * libmicrohttpd asks for the certificate through a GnuTLS retrieve callback
 * at each handshake. Each connection takes a reference to the credentials of
 * the snapshot current when it is accepted (http.c, MHD_OPTION_NOTIFY_CONNECTION)
 * and drops it when it closes, so a reload never frees a certificate a
 * handshake in progress is using; the old set is freed when the old snapshot
 * and its last connection are gone. */
#ifndef NW_TLS_H
#define NW_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

struct tls_creds;

/* Loads the PEM certificate chain and its key, holding one reference. NULL
 * with the reason in err (unreadable, not PEM, key does not match the
 * certificate). */
struct tls_creds *tls_creds_load(const char *cert_file, const char *key_file, char *err,
				 size_t errlen);
/* One more reference to c (returned); any thread. Accepts NULL. */
struct tls_creds *tls_creds_ref(struct tls_creds *c);
/* Drops a reference; the last one frees. Accepts NULL. */
void tls_creds_unref(struct tls_creds *c);
/* True when a and b were loaded from byte-identical files. */
bool tls_creds_same_files(const struct tls_creds *a, const struct tls_creds *b);
/* The SHA-256 of the leaf certificate, lower-case hex, valid while c is held. */
const char *tls_creds_fingerprint(const struct tls_creds *c);

/* gnutls_certificate_retrieve_function2, for MHD_OPTION_HTTPS_CERT_CALLBACK:
 * serves the credentials in the connection's conn_state (connstate.h). */
int tls_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
		      const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
		      gnutls_pcert_st **pcert, unsigned int *pcert_length,
		      gnutls_privkey_t *privkey);

/* The client certificate of conn, when the daemon asked for one
 * (tls_client_ca_file): 0 with the SHA-256 of its DER encoding in ret_hex,
 * -ENOENT when the client sent none, -EACCES when it sent one that does not
 * verify against tls_client_ca_file (expired, unknown issuer, not for TLS
 * client use...). */
int tls_client_cert_sha256(struct MHD_Connection *conn, char ret_hex[65]);

#endif
