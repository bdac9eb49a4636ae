/* Payload: what a file is, where it goes and with which Content-Type.
 *
 * Decided by the name first, then the content:
 *   NAME.ndjson                 -> application/x-ndjson
 *   NAME.csv                    -> text/csv
 *   NAME.json with a top-level "resourceType" member -> application/fhir+json
 *   NAME.json otherwise (object, array, or not JSON at all) -> application/json
 * Names ending in .activity.json / .activity.csv / .activity.ndjson, or any
 * file when the run was started with --activity, go to POST /v1/activity;
 * everything else to POST /v1/reports. Broken JSON is still sent: the server
 * is the judge, and its problem+json is what the clinic needs to read.
 * Pure except payload_read(), which reads one file. */
#ifndef NW_UPLOAD_PAYLOAD_H
#define NW_UPLOAD_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

/* Files are read whole into memory; far above any sane max_body_bytes, so
 * the server's 413 (with its limit) is what normally refuses a big file. */
#define PAYLOAD_MAX_BYTES (64u * 1024 * 1024)

#define PAYLOAD_PATH_REPORTS "/v1/reports"
#define PAYLOAD_PATH_ACTIVITY "/v1/activity"

struct payload_kind {
	const char *path;	  /* PAYLOAD_PATH_REPORTS or PAYLOAD_PATH_ACTIVITY */
	const char *content_type; /* a string literal */
};

/* Classifies name (a file name, not a path) with its content data[0..len).
 * Returns 0 and fills *ret, or -EINVAL for a name with no known extension
 * (then *ret is untouched). */
int payload_classify(const char *name, const char *data, size_t len, bool activity,
		     struct payload_kind *ret);

/* Reads the regular file name relative to dirfd (AT_FDCWD for a path) into
 * a malloc'd buffer (*ret_data, NUL-terminated, caller frees) of *ret_len
 * bytes. Returns 0, -ENOENT when it is gone, -EFBIG over PAYLOAD_MAX_BYTES,
 * -EISDIR/-EINVAL when it is not a regular file, or another -errno. */
int payload_read(int dirfd, const char *name, char **ret_data, size_t *ret_len);

#endif
