/* Tests for daemon/server/snapshot.c: the reload snapshot's reference count
 * and swap. Under ASan a snapshot freed twice or never is a failure too
 * (LeakSanitizer at exit), so "freed once, by the last put" is checked by
 * running this binary under `make SANITIZE=1`; under `SANITIZE=thread` the
 * concurrent test checks that get, put and swap need no other lock. */
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>

#include "config.h"
#include "snapshot.h"
#include "vocab.h"

/* A snapshot whose configuration says which one it is: listen_port is gen,
 * listen_address the text "gen-<gen>", so a reader can check that what it
 * reads belongs together (an old or half-freed snapshot would not). */
static struct snapshot *snapshot_of(int gen)
{
	struct config cfg = {0};
	char text[32];
	snprintf(text, sizeof(text), "gen-%d", gen);
	cfg.listen_address = strdup(text);
	cfg.listen_port = gen;
	assert_non_null(cfg.listen_address);
	struct snapshot *snap = snapshot_new(&cfg, NULL, NULL, NULL);
	assert_non_null(snap);
	/* Moved: the caller's copy no longer owns the string. */
	assert_null(cfg.listen_address);
	return snap;
}

static int refs_of(const struct snapshot *snap)
{
	return atomic_load(&((struct snapshot *)snap)->refs);
}

static void test_get_takes_one_more_reference_and_put_drops_it(void **state)
{
	(void)state;
	struct snapshot *first = snapshot_of(1);
	assert_int_equal(refs_of(first), 1);
	struct snapshot_slot *slot = snapshot_slot_new(first);
	const struct snapshot *a = snapshot_get(slot);
	const struct snapshot *b = snapshot_get(slot);
	assert_ptr_equal(a, first);
	assert_ptr_equal(b, first);
	assert_int_equal(refs_of(first), 3);
	snapshot_put(a);
	snapshot_put(b);
	assert_int_equal(refs_of(first), 1);
	snapshot_slot_free(slot);
}

static void test_swap_serves_the_new_snapshot_to_later_gets(void **state)
{
	(void)state;
	struct snapshot_slot *slot = snapshot_slot_new(snapshot_of(1));
	snapshot_swap(slot, snapshot_of(2));
	const struct snapshot *s = snapshot_get(slot);
	assert_int_equal(s->cfg.listen_port, 2);
	assert_string_equal(s->cfg.listen_address, "gen-2");
	assert_int_equal(refs_of(s), 2);
	snapshot_put(s);
	snapshot_slot_free(slot);
}

static void test_reader_keeps_its_snapshot_whole_across_a_swap(void **state)
{
	(void)state;
	struct snapshot_slot *slot = snapshot_slot_new(snapshot_of(1));
	const struct snapshot *old = snapshot_get(slot);
	snapshot_swap(slot, snapshot_of(2));
	/* The slot let go of it; the reader's reference is the last one. */
	assert_int_equal(refs_of(old), 1);
	assert_int_equal(old->cfg.listen_port, 1);
	assert_string_equal(old->cfg.listen_address, "gen-1");
	snapshot_put(old); /* frees it: ASan would see a leak otherwise */
	snapshot_slot_free(slot);
}

static void test_reader_outlives_the_slot(void **state)
{
	(void)state;
	struct snapshot_slot *slot = snapshot_slot_new(snapshot_of(7));
	const struct snapshot *s = snapshot_get(slot);
	snapshot_slot_free(slot);
	assert_int_equal(refs_of(s), 1);
	assert_string_equal(s->cfg.listen_address, "gen-7");
	snapshot_put(s);
}

static void test_put_and_slot_free_accept_null(void **state)
{
	(void)state;
	snapshot_put(NULL);
	snapshot_slot_free(NULL);
}

static void test_snapshot_owns_a_real_vocabulary(void **state)
{
	(void)state;
	char err[256];
	struct config cfg = {0};
	struct vocab *v = vocab_load(VOCAB_PATH, err, sizeof(err));
	assert_non_null(v);
	struct snapshot *snap = snapshot_new(&cfg, v, NULL, NULL);
	assert_ptr_equal(snap->vocab, v);
	snapshot_put(snap); /* frees the vocabulary with it */
}

/* ---- readers against a swapping writer ----------------------------------- */

#define SWAPS 2000
#define READERS 4

struct race {
	struct snapshot_slot *slot;
	atomic_bool done;
	int mismatches;
	int went_back; /* a later get returned an older generation */
};

static void *reader_main(void *arg)
{
	struct race *r = arg;
	int last = 0;
	while (!atomic_load(&r->done)) {
		const struct snapshot *s = snapshot_get(r->slot);
		char want[32];
		snprintf(want, sizeof(want), "gen-%d", s->cfg.listen_port);
		if (strcmp(want, s->cfg.listen_address) != 0)
			r->mismatches++;
		if (s->cfg.listen_port < last)
			r->went_back++;
		last = s->cfg.listen_port;
		snapshot_put(s);
	}
	return NULL;
}

static void test_concurrent_readers_see_whole_snapshots_in_order(void **state)
{
	(void)state;
	struct race races[READERS];
	pthread_t tids[READERS];
	struct snapshot_slot *slot = snapshot_slot_new(snapshot_of(0));
	for (int i = 0; i < READERS; i++) {
		races[i] = (struct race){.slot = slot};
		atomic_init(&races[i].done, false);
		assert_int_equal(pthread_create(&tids[i], NULL, reader_main, &races[i]), 0);
	}
	for (int gen = 1; gen <= SWAPS; gen++)
		snapshot_swap(slot, snapshot_of(gen));
	for (int i = 0; i < READERS; i++) {
		atomic_store(&races[i].done, true);
		pthread_join(tids[i], NULL);
		assert_int_equal(races[i].mismatches, 0);
		assert_int_equal(races[i].went_back, 0);
	}
	const struct snapshot *s = snapshot_get(slot);
	assert_int_equal(s->cfg.listen_port, SWAPS);
	assert_int_equal(refs_of(s), 2);
	snapshot_put(s);
	snapshot_slot_free(slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_takes_one_more_reference_and_put_drops_it),
	    cmocka_unit_test(test_swap_serves_the_new_snapshot_to_later_gets),
	    cmocka_unit_test(test_reader_keeps_its_snapshot_whole_across_a_swap),
	    cmocka_unit_test(test_reader_outlives_the_slot),
	    cmocka_unit_test(test_put_and_slot_free_accept_null),
	    cmocka_unit_test(test_snapshot_owns_a_real_vocabulary),
	    cmocka_unit_test(test_concurrent_readers_see_whole_snapshots_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
