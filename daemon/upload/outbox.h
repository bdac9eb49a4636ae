/* Outbox: a Maildir-style spool directory whose files are sent exactly once.
 *
 *   DIR/tmp/     producers write a file here, then rename it into new/
 *   DIR/new/     ready to send
 *   DIR/cur/     claimed by the uploader, being sent; resumed after a crash
 *   DIR/sent/    delivered: stored, or found already stored (duplicate)
 *   DIR/failed/  refused for good, NAME.problem.json (the answer) beside NAME
 *   DIR/.lock    flock(2)ed while an uploader works on the spool
 *
 * Invariant: a file is in exactly one of new/, cur/, sent/, failed/ at every
 * instant, because it only ever moves by rename(2) within one file system,
 * and rename is atomic even across a power cut. Its content is fsync()ed
 * before it is first moved (claim); directories are fsync()ed after moves
 * (outbox_sync()), so a move the disk forgot only replays a step: a file
 * back in new/ is claimed again, one back in cur/ is sent again and the
 * server answers "duplicate" (client_ref + version). A failed file's answer
 * is durable before the file itself moves, so failed/NAME never lacks its
 * reason. Moves never overwrite: a name already taken at the destination
 * becomes NAME~1.ext, NAME~2.ext ...
 *
 * Names starting with '.' are ignored (producers' temporaries), as is
 * anything that is not a regular file. Not thread-safe: one uploader, one
 * thread, guarded across processes by the lock. */
#ifndef NW_UPLOAD_OUTBOX_H
#define NW_UPLOAD_OUTBOX_H

#include <stddef.h>

struct outbox;

/* A list of file names, sorted (byte order). */
struct outbox_names {
	char **v;
	size_t n;
};

/* Opens (creating if missing, mode 0770 less the umask) DIR and its
 * subdirectories and takes the lock. Returns 0, -EBUSY when another process
 * holds the lock, or -errno; on failure err says what failed, in one line. */
int outbox_open(const char *dir, struct outbox **ret, char *err, size_t errlen);
/* Releases the lock and closes the directories. Accepts NULL. */
void outbox_free(struct outbox *ob);

/* Called by outbox_claim() for a file it left in new/, with the -errno why. */
typedef void outbox_skip_fn(const char *name, int error, void *ctx);

/* Moves every file of new/ into cur/ (fsync of each file first, then of
 * both directories). One file's trouble never stops the others: a file this
 * process may not open (no read permission) is moved without its fsync,
 * since nothing of it could be sent anyway, and the uploader refuses it from
 * cur/ with that reason; a file whose fsync or move fails is left in new/
 * and reported to skip (NULL for none). Returns 0 and the number moved, or
 * -errno for a fault of the spool itself (new/ unreadable, a directory
 * fsync failed). */
int outbox_claim(struct outbox *ob, size_t *ret_claimed, outbox_skip_fn *skip, void *ctx);
/* The names in cur/, sorted: what to send now. Returns 0 or -errno. */
int outbox_list(struct outbox *ob, struct outbox_names *ret);
void outbox_names_free(struct outbox_names *names);
/* The directory fd of cur/, to read a listed file (owned by ob). */
int outbox_cur_fd(const struct outbox *ob);

/* cur/NAME -> sent/. Returns 0, or -errno (-ENOENT if NAME is not in cur/). */
int outbox_mark_sent(struct outbox *ob, const char *name);
/* Writes failed/NAME.problem.json (answer[0..len), made durable) and then
 * moves cur/NAME -> failed/NAME. Returns 0 or -errno. */
int outbox_mark_failed(struct outbox *ob, const char *name, const char *answer, size_t len);
/* Makes the moves since the last call durable (fsync of the directories
 * they touched). Returns 0 or -errno. */
int outbox_sync(struct outbox *ob);

/* Files waiting in new/ and cur/ together. Returns 0 or -errno. */
int outbox_count_pending(struct outbox *ob, size_t *ret);

#endif
