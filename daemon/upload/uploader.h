/* Uploader: the send loop. Files go in, each comes out sent, duplicate,
 * rejected or still pending; transient failures are retried in between.
 *
 * Up to --parallel transfers run at once. A transient failure (no answer,
 * 408, 429, most 5xx) pauses new transfers for a backoff delay (retry.h)
 * and puts the file back at the front of the queue: when the server is
 * down or its database is, every file would fail alike, so one wait serves
 * them all. Failures of transfers that were already in flight when the
 * pause began do not lengthen it. Any delivery resets the backoff.
 *
 * Without --spool or with --once, an uploader gives up after --retry-for
 * without progress and leaves the rest pending; a spool uploader without
 * --once never gives up: it is the unattended daemon and waits out any
 * outage, including a refused token (the token file is read again before
 * the next attempt, so a rotated token is picked up without a restart).
 *
 * A file is only moved to sent/ (or failed/) when what the server judged is
 * the whole file: its fstat(2) version (payload.h) is taken before it is
 * read and compared after the read and again after the answer. A file that
 * changed, or in a spool one modified less than settle_ms ago (a producer
 * writing straight into new/), is deferred: left in cur/ for the next pass
 * (with --once, the run waits for it up to --retry-for). Sending it again is
 * safe, the server recognises what it already stored.
 *
 * One file's trouble (unreadable, unmovable) is logged, the file refused to
 * failed/ or left where it is, and the run goes on with the others.
 *
 * SIGTERM/SIGINT: no new transfer starts; those in flight finish and their
 * files move; then the run ends. A second signal abandons the transfers in
 * flight (their files stay in cur/, to be resent). SIGHUP: re-read the
 * token file. Single-threaded. */
#ifndef NW_UPLOAD_UPLOADER_H
#define NW_UPLOAD_UPLOADER_H

#include "outbox.h"
#include "retry.h"
#include "transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uploader_config {
	struct retry_policy policy;
	bool activity;	      /* every file goes to POST /v1/activity */
	bool keep_trying;     /* spool without --once: never give up */
	int64_t retry_for_ms; /* otherwise: how long without progress before giving up */
	int64_t interval_ms;  /* spool without --once: time between scans of new/ */
	int64_t settle_ms;    /* spool: a file modified more recently waits (--settle) */
	const char *token_file;
	int signal_fd; /* signalfd for SIGTERM, SIGINT, SIGHUP; -1 for none */
	bool progress; /* --progress: "k of N" files on stderr without a terminal too */
};

struct upload_counts {
	unsigned long sent;	 /* files stored (201, or a batch with no item refused) */
	unsigned long duplicate; /* files found already stored */
	unsigned long rejected;	 /* files refused for good (failed/ in a spool) */
	unsigned long pending;	 /* files still to send when the run ended */
	unsigned long deferred;	 /* times a file was left for a later pass: still being
				    written, or changed while it was read or sent */
};

struct uploader;

/* cfg and tx must outlive the uploader. NULL on out of memory. */
struct uploader *uploader_new(const struct uploader_config *cfg, struct transport *tx);
void uploader_free(struct uploader *u);

/* Sends the files at paths (left where they are) and logs the summary.
 * Returns a sysexits(3) code: see uploader_exit_code(). */
int uploader_send_files(struct uploader *u, char *const *paths, size_t n);
/* Claims, sends and moves the spool's files, once (keep_trying false) or
 * every interval until a signal, and logs the summary. Returns a sysexits code. */
int uploader_run_spool(struct uploader *u, struct outbox *ob);

const struct upload_counts *uploader_counts(const struct uploader *u);

#endif
