/* Credential: the bearer token of an HTTPS client, read from a file and
 * never printed; one reader for needlewatch-upload's token_file and
 * needlewatchctl export's --deliver-token-file.
 *
 * The file holds the token and nothing else (a trailing newline is fine), as
 * `needlewatchctl token create` prints it. Messages about it name the file,
 * never its content. */
#ifndef NW_CLIENT_CREDENTIAL_H
#define NW_CLIENT_CREDENTIAL_H

#include <stddef.h>

/* A token this long is not one of ours; refusing it early keeps a wrong
 * file (a certificate, a log) out of an HTTP header. */
#define CREDENTIAL_MAX_BYTES 512

/* Reads path: the token is the content less trailing whitespace, 1 to
 * CREDENTIAL_MAX_BYTES visible ASCII characters without spaces. Returns 0
 * with *ret_token (free with credential_free()), or -errno / -EINVAL with err
 * saying why in one line. */
int credential_read(const char *path, char **ret_token, char *err, size_t errlen);
/* Wipes and frees a token. Accepts NULL. */
void credential_free(char *token);

#endif
