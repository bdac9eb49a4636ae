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
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

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

/* One version of a file: what fstat(2) says changes whenever its content
 * does. A producer still writing moves size and mtime; a truncate-and-rewrite
 * or chmod moves ctime; a file replaced under its name has another inode. */
struct payload_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* Reads the regular file name relative to dirfd (AT_FDCWD for a path) into
 * a malloc'd buffer (*ret_data, NUL-terminated, caller frees) of *ret_len
 * bytes. *ret_fd (caller closes) stays open on the file and *ret_stamp is
 * its version, the same before and after the read: the caller compares it
 * again with payload_unchanged() once the server has answered. Returns 0,
 * -ENOENT when it is gone, -EFBIG over PAYLOAD_MAX_BYTES, -EISDIR/-EINVAL
 * when it is not a regular file, -EAGAIN when it changed while being read,
 * or another -errno (-EACCES: not readable by this user). */
int payload_read(int dirfd, const char *name, char **ret_data, size_t *ret_len, int *ret_fd,
		 struct payload_stamp *ret_stamp);

/* 0 when the file open on fd is still the version stamp describes, -EAGAIN
 * when it changed, or -errno when it cannot be examined. */
int payload_unchanged(int fd, const struct payload_stamp *stamp);

/* How long, in ms, until a file last modified at stamp->mtime has been left
 * alone for settle_ms at wall-clock time now: 0 when it has. A producer
 * writing straight into new/ keeps moving mtime; one that stopped a few
 * seconds ago has most likely finished. An mtime in the future was set by
 * hand (touch, cp -p), not by a write still going on: it counts as settled. */
int64_t payload_settle_wait_ms(const struct payload_stamp *stamp, const struct timespec *now,
			       int64_t settle_ms);

#endif
