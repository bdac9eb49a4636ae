/* What the two loopback test receivers (webhook_receiver, export_receiver)
 * share: reading their PEM and secret files, and the HTTPS listener on
 * 127.0.0.1 that runs until its lifetime ends or SIGTERM/SIGINT. */
#ifndef NW_TEST_RECEIVER_H
#define NW_TEST_RECEIVER_H

#include <microhttpd.h>
#include <stddef.h>

/* The first max bytes of the file at path, NUL-terminated, in malloc'd
 * memory the caller frees; the byte count in *ret_len when ret_len is not
 * NULL. NULL when the file cannot be read or is empty. */
char *receiver_read_file(const char *path, size_t max, size_t *ret_len);

/* Serves HTTPS on 127.0.0.1:port (never another address) with the PEM
 * texts cert and key, calling on_request and on_completed as MHD does,
 * until lifetime_s seconds have passed or SIGTERM/SIGINT arrives. 0, or 1
 * when it cannot listen (said on stderr, prefixed with prog). */
int receiver_serve(const char *prog, int port, const char *cert, const char *key, int lifetime_s,
		   MHD_AccessHandlerCallback on_request, MHD_RequestCompletedCallback on_completed);

#endif
