/* Dashboard sessions: an in-memory table of hashed session ids. */
#include "sessions.h"
#include "util.h"
#include "pseudonym.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* One slot per session. A free slot has an empty id_sha256. The table is
 * searched from end to end: a deployment has tens of regulators signed in,
 * not thousands, and a scan of a few hundred 200-byte slots under one lock
 * costs less than the database look-up that follows it. */
struct slot {
	char id_sha256[SESSION_HASH_LEN + 1];
	struct session_info info;
};

struct session_store {
	pthread_mutex_t lock; /* guards slots */
	size_t capacity;
	struct slot *slots;
};

struct session_store *session_store_new(size_t capacity)
{
	struct session_store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->slots = calloc(capacity ? capacity : 1, sizeof(*st->slots));
	if (!st->slots) {
		free(st);
		return NULL;
	}
	st->capacity = capacity ? capacity : 1;
	pthread_mutex_init(&st->lock, NULL);
	return st;
}

void session_store_free(struct session_store *st)
{
	if (!st)
		return;
	pthread_mutex_destroy(&st->lock);
	/* The hashes are not secrets, but a freed table need not keep them. */
	memset(st->slots, 0, st->capacity * sizeof(*st->slots));
	free(st->slots);
	free(st);
}

static int random_hex(char *out, size_t bytes)
{
	unsigned char buf[32];
	if (bytes > sizeof(buf) || getrandom(buf, bytes, 0) != (ssize_t)bytes)
		return -EIO;
	util_hex_encode(buf, bytes, out);
	memset(buf, 0, sizeof(buf));
	return 0;
}

/* An id is exactly SESSION_ID_LEN lower-case hex digits; anything else is
 * not ours and is not hashed or looked for. */
static bool id_well_formed(const char *id)
{
	size_t n = 0;
	for (; id && id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return false;
	return n == SESSION_ID_LEN;
}

/* The slot to reuse: a free one, else the one used least recently. */
static struct slot *slot_for_new(struct session_store *st)
{
	struct slot *oldest = &st->slots[0];
	for (size_t i = 0; i < st->capacity; i++) {
		if (!st->slots[i].id_sha256[0])
			return &st->slots[i];
		if (st->slots[i].info.last_used_s < oldest->info.last_used_s)
			oldest = &st->slots[i];
	}
	return oldest;
}

int session_store_open(struct session_store *st, const char *token_sha256, long long now_s,
		       char *ret_id, char *ret_csrf)
{
	char id[SESSION_ID_LEN + 1], csrf[SESSION_CSRF_LEN + 1], hash[SESSION_HASH_LEN + 1];

	if (random_hex(id, SESSION_ID_LEN / 2) < 0 || random_hex(csrf, SESSION_CSRF_LEN / 2) < 0)
		return -EIO;
	if (sha256_hex(id, SESSION_ID_LEN, hash) < 0)
		return -EIO;
	pthread_mutex_lock(&st->lock);
	struct slot *s = slot_for_new(st);
	memset(s, 0, sizeof(*s));
	memcpy(s->id_sha256, hash, sizeof(hash));
	snprintf(s->info.token_sha256, sizeof(s->info.token_sha256), "%s", token_sha256);
	memcpy(s->info.csrf, csrf, sizeof(csrf));
	s->info.created_s = now_s;
	s->info.last_used_s = now_s;
	pthread_mutex_unlock(&st->lock);
	memcpy(ret_id, id, sizeof(id));
	memcpy(ret_csrf, csrf, sizeof(csrf));
	return 0;
}

/* The slot holding hash, or NULL; under the lock. */
static struct slot *slot_find(struct session_store *st, const char *hash)
{
	for (size_t i = 0; i < st->capacity; i++)
		if (st->slots[i].id_sha256[0] && strcmp(st->slots[i].id_sha256, hash) == 0)
			return &st->slots[i];
	return NULL;
}

static long long min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

int session_store_use(struct session_store *st, const char *id, long long now_s, long long idle_s,
		      long long max_age_s, struct session_info *ret)
{
	char hash[SESSION_HASH_LEN + 1];
	if (!id_well_formed(id) || sha256_hex(id, SESSION_ID_LEN, hash) < 0)
		return -ENOENT;
	pthread_mutex_lock(&st->lock);
	struct slot *s = slot_find(st, hash);
	if (!s) {
		pthread_mutex_unlock(&st->lock);
		return -ENOENT;
	}
	if (now_s - s->info.last_used_s >= idle_s || now_s - s->info.created_s >= max_age_s) {
		memset(s, 0, sizeof(*s));
		pthread_mutex_unlock(&st->lock);
		return -ENOENT;
	}
	s->info.last_used_s = now_s;
	s->info.expires_in_s = min_ll(idle_s, s->info.created_s + max_age_s - now_s);
	*ret = s->info;
	pthread_mutex_unlock(&st->lock);
	return 0;
}

int session_store_close(struct session_store *st, const char *id)
{
	char hash[SESSION_HASH_LEN + 1];
	if (!id_well_formed(id) || sha256_hex(id, SESSION_ID_LEN, hash) < 0)
		return -ENOENT;
	pthread_mutex_lock(&st->lock);
	struct slot *s = slot_find(st, hash);
	if (s)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&st->lock);
	return s ? 0 : -ENOENT;
}

size_t session_store_count(struct session_store *st)
{
	size_t n = 0;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->capacity; i++)
		n += st->slots[i].id_sha256[0] != '\0';
	pthread_mutex_unlock(&st->lock);
	return n;
}

int session_equal_ct(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
