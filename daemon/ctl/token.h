/* needlewatchctl token: create, revoke and list API tokens. Only a token's
 * SHA-256 is stored; the token itself is shown once, by `token create`. */
#ifndef NW_CTL_TOKEN_H
#define NW_CTL_TOKEN_H

#include "ctl.h"

/* `token create|revoke|list ...`; argv[0] is "token". Returns an exit code.
 * `create` prints the token alone on the last line of stdout, for scripts. */
int token_run(struct ctl *ctl, int argc, char **argv);

#endif
