/* Durable files: a whole file put in place so that a reader sees the old
 * content or the new, never a part, even after a crash or power loss.
 *
 * The dance: write a temporary in the same directory, fsync it, rename it
 * over the target (atomic within one file system), fsync the directory (the
 * rename is durable only once the directory entry is on disk). Used for the
 * weekly export's files (needlewatchctl) and the uploader's failed/ answers
 * (needlewatch-upload). Pure POSIX file calls: no locks, no logging. */
#ifndef NW_DURABLE_FILE_H
#define NW_DURABLE_FILE_H

#include <stddef.h>
#include <sys/types.h>

struct durable_file_options {
	mode_t mode; /* the file's permission bits, whatever the umask */
	/* The temporary's name in the directory. NULL: a fresh, unique
	 * ".NAME.XXXXXX", safe with concurrent writers. A fixed name is for a
	 * directory with one writer (e.g. under a lock) that removes a
	 * leftover from a crash itself; it is truncated if present. */
	const char *tmp_name;
};

/* Writes data[0..len) to NAME in the directory dirfd, durably and
 * atomically (see above); an existing NAME is replaced. Returns 0 or
 * -errno. On failure *ret_step (may be NULL) is the step that failed, in a
 * few words ("cannot write"), for the caller's message; the temporary is
 * removed and NAME left as it was, unless only the final directory fsync
 * failed: then NAME already holds the new content, not yet durable. */
int durable_file_write_at(int dirfd, const char *name, const void *data, size_t len,
			  const struct durable_file_options *o, const char **ret_step);

/* The same with the directory given by its path. */
int durable_file_write(const char *dir, const char *name, const void *data, size_t len,
		       const struct durable_file_options *o, const char **ret_step);

#endif
