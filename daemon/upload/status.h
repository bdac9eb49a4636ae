/* `needlewatch-upload status`: what the server says this premises has not
 * sent or must still look at (GET /v1/premises/me), printed for a person,
 * and, with --spool, how many files the server refused (failed/). */
#ifndef NW_UPLOAD_STATUS_H
#define NW_UPLOAD_STATUS_H

/* The subcommand's main: argv[0] is "status". Prints to stdout, errors to
 * stderr; returns a sysexits.h code: 0 answered, 64 usage, 75 the server
 * could not be reached or was unavailable, 76 an answer we cannot read,
 * 77 the token was refused (401/403), 78 configuration (token or CA file,
 * wrong --url), 70/71 internal. */
int status_main(int argc, char **argv);

#endif
