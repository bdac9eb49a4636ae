/* TLS: the server's certificate and key, swapped on SIGHUP without a restart,
 * and the client certificate of a connection.
 *
 * libmicrohttpd asks for the certificate through a GnuTLS retrieve callback
 * at each handshake. Each connection takes a reference to the credentials
 * current when it is accepted (MHD_OPTION_NOTIFY_CONNECTION) and drops it
 * when it closes, so a reload never frees a certificate a handshake in
 * progress is using; the old set is freed when its last connection goes. */
#ifndef NW_TLS_H
#define NW_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stddef.h>

struct tls;

/* Loads the PEM certificate chain and its key. NULL with the reason in err
 * (unreadable, not PEM, key does not match the certificate). */
struct tls *tls_new(const char *cert_file, const char *key_file, char *err, size_t errlen);
/* Frees; every connection must have been closed (after MHD_stop_daemon). Accepts NULL. */
void tls_free(struct tls *t);

/* Loads the files again and, when they are good, serves them to every new
 * connection. On failure the current certificate stays and err says why.
 * Returns 0, 1 when the files are unchanged (nothing swapped), or a negative errno. */
int tls_reload(struct tls *t, const char *cert_file, const char *key_file, char *err,
	       size_t errlen);
/* The SHA-256 of the leaf certificate being served, lower-case hex. */
void tls_fingerprint(struct tls *t, char ret_hex[65]);

/* Called by http.c's MHD_NotifyConnectionCallback; cls is the struct tls and
 * socket_context the connection's &conn_state->tls (connstate.h). Takes and
 * drops the connection's reference to the credentials. */
void tls_notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			   enum MHD_ConnectionNotificationCode toe);
/* gnutls_certificate_retrieve_function2, for MHD_OPTION_HTTPS_CERT_CALLBACK. */
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
