/* Unit tests for daemon/core/disclosure.c and disclosure_tables.c: LP bounds of
 * hidden cells and complementary suppression, on tables worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "disclosure_tables.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A total and its parts: total = Σ parts. Returns the model; cells are the
 * total (0) then the parts (1..n) in order. */
static struct disclosure *sum_table(long total, bool total_hidden, const long *parts,
				    const bool *hidden, size_t n)
{
	struct disclosure *d = disclosure_new();
	int cells[16];
	double coefs[16];
	assert_non_null(d);
	cells[0] = disclosure_add_cell(d, total, total_hidden);
	coefs[0] = 1;
	for (size_t i = 0; i < n; i++) {
		cells[i + 1] = disclosure_add_cell(d, parts[i], hidden[i]);
		coefs[i + 1] = -1;
	}
	assert_int_equal(disclosure_add_relation(d, n + 1, cells, coefs, DISCLOSURE_EQ, 0), 0);
	return d;
}

static void assert_bounds(struct disclosure *d, int cell, long want_lo, long want_hi)
{
	size_t n = disclosure_cell_count(d);
	long *lo = calloc(n, sizeof(*lo)), *hi = calloc(n, sizeof(*hi));
	assert_non_null(lo);
	assert_non_null(hi);
	assert_int_equal(disclosure_bounds(d, lo, hi), 0);
	assert_int_equal(lo[cell], want_lo);
	assert_int_equal(hi[cell], want_hi);
	free(lo);
	free(hi);
}

/* Every hidden cell of d protected at width: what the audit promises. */
static void assert_all_protected(struct disclosure *d, int width)
{
	size_t n = disclosure_cell_count(d);
	long *lo = calloc(n, sizeof(*lo)), *hi = calloc(n, sizeof(*hi));
	assert_int_equal(disclosure_bounds(d, lo, hi), 0);
	for (size_t c = 0; c < n; c++)
		if (disclosure_is_hidden(d, (int)c) &&
		    !disclosure_interval_protects(lo[c], hi[c], width))
			fail_msg("cell %zu narrowed to %ld..%ld", c, lo[c], hi[c]);
	free(lo);
	free(hi);
}

static void test_interval_protects_needs_width_and_never_one_value(void **state)
{
	(void)state;
	assert_false(disclosure_interval_protects(1, 1, 5));
	assert_false(disclosure_interval_protects(1, 4, 5)); /* 1..4: four values */
	assert_true(disclosure_interval_protects(1, 5, 5));
	assert_true(disclosure_interval_protects(3, -1, 5)); /* no upper bound */
	assert_false(disclosure_interval_protects(2, 2, 1)); /* pinned, whatever the width */
	assert_true(disclosure_interval_protects(2, 3, 2));
}

/* 12 = 10 + x + y, x, y >= 1: x + y = 2, so both are 1. */
static void test_two_hidden_cells_under_a_total_are_pinned(void **state)
{
	(void)state;
	long parts[] = {10, 1, 1};
	bool hidden[] = {false, true, true};
	struct disclosure *d = sum_table(12, false, parts, hidden, 3);
	assert_bounds(d, 2, 1, 1);
	assert_bounds(d, 3, 1, 1);
	assert_bounds(d, 1, 10, 10); /* published: its own value */
	disclosure_free(d);
}

/* 20 = 12 + x + y with x = y = 4: x + y = 8, each 1..7, seven values. */
static void test_a_wide_enough_pattern_is_left_alone(void **state)
{
	(void)state;
	long parts[] = {12, 4, 4};
	bool hidden[] = {false, true, true};
	struct disclosure *d = sum_table(20, false, parts, hidden, 3);
	struct disclosure_outcome out;
	assert_bounds(d, 2, 1, 7);
	assert_int_equal(disclosure_protect(d, 5, &out), 0);
	assert_int_equal(out.added, 0);
	assert_int_equal(out.rounds, 1);
	assert_int_equal(out.hidden, 2);
	assert_in_range(out.solves, 1, 5); /* a ray search, then at most two per cell */
	disclosure_free(d);
}

/* 30 = 20 + 6 + 0 + 2 + 2: the two hidden 2s sum to 4, each 1..3. The
 * complement is the smallest positive published part, 6 (not 20, not the 0);
 * then x + y + z = 10 and each is 1..8. */
static void test_complement_is_the_smallest_positive_published_cell(void **state)
{
	(void)state;
	long parts[] = {20, 6, 0, 2, 2};
	bool hidden[] = {false, false, false, true, true};
	struct disclosure *d = sum_table(30, false, parts, hidden, 5);
	struct disclosure_outcome out;
	assert_bounds(d, 4, 1, 3);
	assert_int_equal(disclosure_protect(d, 5, &out), 0);
	assert_int_equal(out.added, 1);
	assert_int_equal(out.rounds, 2);
	assert_true(disclosure_is_hidden(d, 2));  /* the 6 */
	assert_false(disclosure_is_hidden(d, 1)); /* the 20 */
	assert_false(disclosure_is_hidden(d, 3)); /* zeros stay published */
	assert_false(disclosure_is_hidden(d, 0)); /* the total */
	assert_bounds(d, 4, 1, 8);
	disclosure_free(d);
}

/* `any` 3 published, infection 1 and pigmentation 2 hidden: any >= each
 * group and any <= their sum gives infection + pigmentation >= 3 with each
 * at most 3, so each is 1..3 (the other then 2..3 or 3). */
static void test_any_bounds_its_groups(void **state)
{
	(void)state;
	struct disclosure *d = disclosure_new();
	int any = disclosure_add_cell(d, 3, false);
	int inf = disclosure_add_cell(d, 1, true);
	int pig = disclosure_add_cell(d, 2, true);
	int le[] = {any, inf, pig};
	double le_c[] = {-1, 1, 1};
	int ge1[] = {any, inf}, ge2[] = {any, pig};
	double ge_c[] = {1, -1};
	assert_int_equal(disclosure_add_relation(d, 3, le, le_c, DISCLOSURE_GE, 0), 0);
	assert_int_equal(disclosure_add_relation(d, 2, ge1, ge_c, DISCLOSURE_GE, 0), 0);
	assert_int_equal(disclosure_add_relation(d, 2, ge2, ge_c, DISCLOSURE_GE, 0), 0);
	assert_bounds(d, inf, 1, 3);
	assert_bounds(d, pig, 1, 3);
	disclosure_free(d);
}

static void test_a_hidden_zero_is_refused(void **state)
{
	(void)state;
	struct disclosure *d = disclosure_new();
	assert_int_equal(disclosure_add_cell(d, 0, true), -EINVAL);
	int c = 5;
	double one = 1;
	assert_int_equal(disclosure_add_relation(d, 1, &c, &one, DISCLOSURE_EQ, 0), -EINVAL);
	disclosure_free(d);
}

/* ---- the example, as the summary tables publish it -------------- */

#define ROW(t, s, k, g, e, a, eh, ah)                                                              \
	{                                                                                          \
		t, s, k, g, e, a, eh, ah, -1, -1                                                   \
	}

/* A week's mobile setting, one premises in the North West: 5 cases, one each
 * of Fitzpatrick I..V, all with activity broken down by type; 3 infections
 * (I, II, III) and 2 pigmentation (IV, V). Primary suppression hides every
 * 1..4; the old secondary rule found no set with exactly one hidden cell
 * (the Fitzpatrick set has five), so `any` 5 stayed published, and with it
 * 5 = Σ five hidden cells >= 1 each: every one is 1. */
static struct disclosure_row mobile_week[] = {
    ROW(DISCLOSURE_WEEK_SETTING, "mobile", NULL, "any", 5, 0, false, false),
    ROW(DISCLOSURE_WEEK_SETTING, "mobile", NULL, "infection", 3, 0, true, false),
    ROW(DISCLOSURE_WEEK_SETTING, "mobile", NULL, "pigmentation", 2, 0, true, false),
    ROW(DISCLOSURE_REGION, "mobile", "North West", "any", 5, 0, false, false),
    ROW(DISCLOSURE_REGION, "mobile", "North West", "infection", 3, 0, true, false),
    ROW(DISCLOSURE_REGION, "mobile", "North West", "pigmentation", 2, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "1", "any", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "2", "any", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "3", "any", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "4", "any", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "5", "any", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "6", "any", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "1", "infection", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "2", "infection", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "3", "infection", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "4", "infection", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "5", "infection", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "6", "infection", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "1", "pigmentation", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "2", "pigmentation", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "3", "pigmentation", 0, 0, false, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "4", "pigmentation", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "5", "pigmentation", 1, 0, true, false),
    ROW(DISCLOSURE_FITZPATRICK, "mobile", "6", "pigmentation", 0, 0, false, false),
    ROW(DISCLOSURE_TRAINING, "mobile", "true", "any", 5, 0, false, false),
    ROW(DISCLOSURE_TRAINING, "mobile", "false", "any", 0, 0, false, false),
    ROW(DISCLOSURE_TRAINING, "mobile", "true", "infection", 3, 0, true, false),
    ROW(DISCLOSURE_TRAINING, "mobile", "false", "infection", 0, 0, false, false),
    ROW(DISCLOSURE_TRAINING, "mobile", "true", "pigmentation", 2, 0, true, false),
    ROW(DISCLOSURE_TRAINING, "mobile", "false", "pigmentation", 0, 0, false, false),
    /* another setting the same week, unrelated to mobile's cells */
    ROW(DISCLOSURE_UNREGISTERED, "home", "London", "any", 2, 0, true, false),
    ROW(DISCLOSURE_UNREGISTERED, "home", "London", "infection", 2, 0, true, false),
};

static void test_mobile_any_of_five_pins_five_hidden_skin_types(void **state)
{
	(void)state;
	struct disclosure_row rows[ARRAY_SIZE(mobile_week)];
	memcpy(rows, mobile_week, sizeof(rows));
	struct disclosure *d = disclosure_tables_build(rows, ARRAY_SIZE(rows));
	assert_non_null(d);
	for (size_t i = 6; i <= 10; i++) /* Fitzpatrick I..V, any: each exactly 1 */
		assert_bounds(d, rows[i].events_cell, 1, 1);
	/* infection: 3 = I + II + III, each exactly 1 as well */
	assert_bounds(d, rows[12].events_cell, 1, 1);
	disclosure_free(d);
}

static void test_audit_suppresses_more_until_no_skin_type_is_pinned(void **state)
{
	(void)state;
	struct disclosure_row rows[ARRAY_SIZE(mobile_week)];
	struct disclosure_outcome out;
	memcpy(rows, mobile_week, sizeof(rows));
	struct disclosure *d = disclosure_tables_build(rows, ARRAY_SIZE(rows));
	assert_non_null(d);
	assert_int_equal(disclosure_protect(d, 5, &out), 0);
	assert_true(out.added > 0);
	assert_true(out.rounds >= 2);
	assert_all_protected(d, 5);
	int added = disclosure_tables_read_back(d, rows, ARRAY_SIZE(rows));
	assert_int_equal(added, out.added);
	/* the totals that pinned them are hidden now; zeros never are */
	assert_true(rows[0].events_hidden);
	assert_true(rows[3].events_hidden);
	assert_true(rows[24].events_hidden);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].events == 0)
			assert_false(rows[i].events_hidden);
	disclosure_free(d);
	disclosure_release();
}

/* The regions of a setting: total 12 = 10 + 1 + 1 in events; the audit hides
 * the 10 (the only positive published part), after which each hidden region
 * is 1..10. */
static void test_regions_under_a_published_total(void **state)
{
	(void)state;
	struct disclosure_row rows[] = {
	    ROW(DISCLOSURE_WEEK_SETTING, "salon", NULL, "any", 12, 0, false, false),
	    ROW(DISCLOSURE_REGION, "salon", "London", "any", 10, 0, false, false),
	    ROW(DISCLOSURE_REGION, "salon", "Wales", "any", 1, 0, true, false),
	    ROW(DISCLOSURE_REGION, "salon", "Scotland", "any", 1, 0, true, false),
	};
	struct disclosure_outcome out;
	struct disclosure *d = disclosure_tables_build(rows, ARRAY_SIZE(rows));
	assert_non_null(d);
	assert_bounds(d, rows[2].events_cell, 1, 1);
	assert_int_equal(disclosure_protect(d, 5, &out), 0);
	assert_int_equal(out.added, 1);
	assert_int_equal(disclosure_tables_read_back(d, rows, ARRAY_SIZE(rows)), 1);
	assert_true(rows[1].events_hidden);
	assert_false(rows[0].events_hidden);
	assert_bounds(d, rows[2].events_cell, 1, 10);
	disclosure_free(d);
	disclosure_release();
}

/* Two tables that share no hidden cell are solved apart; each keeps its own
 * bounds: 12 = 10 + 1 + 1 pins both 1s, 20 = 12 + 4 + 4 leaves 1..7. */
static void test_unrelated_tables_keep_their_own_bounds(void **state)
{
	(void)state;
	struct disclosure *d = disclosure_new();
	int a[] = {disclosure_add_cell(d, 12, false), disclosure_add_cell(d, 10, false),
		   disclosure_add_cell(d, 1, true), disclosure_add_cell(d, 1, true)};
	int b[] = {disclosure_add_cell(d, 20, false), disclosure_add_cell(d, 12, false),
		   disclosure_add_cell(d, 4, true), disclosure_add_cell(d, 4, true)};
	double c[] = {1, -1, -1, -1};
	assert_int_equal(disclosure_add_relation(d, 4, a, c, DISCLOSURE_EQ, 0), 0);
	assert_int_equal(disclosure_add_relation(d, 4, b, c, DISCLOSURE_EQ, 0), 0);
	assert_bounds(d, a[2], 1, 1);
	assert_bounds(d, b[3], 1, 7);
	disclosure_free(d);
}

/* Weeks drawn at random (cases spread over two settings, regions, skin
 * types, training and groups, as the refresh counts them): after
 * disclosure_protect(), the exact bounds of every hidden cell, solved one by
 * one without the shortcuts the audit takes, protect it. */
static size_t random_week(struct disclosure_row *rows, unsigned seed)
{
	static const char *const settings[] = {"salon", "mobile"};
	static const char *const groups[] = {"any", "infection", "pigmentation", "scarring"};
	static const char *const keys[] = {"1", "2", "3", "4", "5", "6", NULL};
	static const char *const regions[] = {"London", "Wales", "Scotland", NULL};
	static const char *const training[] = {"true", "false", NULL};
	long ws[2][4][2] = {{{0}}}, rg[2][4][4][2] = {{{{0}}}}, fz[2][7][4][2] = {{{{0}}}},
	     tr[2][3][4][2] = {{{{0}}}};
	srand(seed);
	for (int i = 0; i < 40; i++) {
		int s = rand() % 2, r = rand() % 4, f = rand() % 7, t = rand() % 3;
		int act = rand() % 6 != 0, fe = act && f < 6 && rand() % 4, te = act && t < 2;
		int mask = 1 | 1 << (1 + rand() % 3) | (rand() % 4 ? 0 : 1 << (1 + rand() % 3));
		for (int g = 0; g < 4; g++) {
			if (!(mask >> g & 1))
				continue;
			ws[s][g][!act]++;
			rg[s][r][g][!act]++;
			fz[s][f][g][!fe]++;
			tr[s][t][g][!te]++;
		}
	}
	size_t n = 0;
#define PUT(tab, s, k, g, v)                                                                       \
	rows[n++] = (struct disclosure_row)                                                        \
	{                                                                                          \
		tab, settings[s], k, groups[g], v[0], v[1],                                        \
		    v[0] > 0 && v[0]<5, v[1]> 0 && v[1] < 5, -1, -1                                \
	}
	for (int s = 0; s < 2; s++)
		for (int g = 0; g < 4; g++) {
			PUT(DISCLOSURE_WEEK_SETTING, s, NULL, g, ws[s][g]);
			for (int r = 0; r < 4; r++)
				PUT(DISCLOSURE_REGION, s, regions[r], g, rg[s][r][g]);
			for (int f = 0; f < 7; f++)
				PUT(DISCLOSURE_FITZPATRICK, s, keys[f], g, fz[s][f][g]);
			for (int t = 0; t < 3; t++)
				PUT(DISCLOSURE_TRAINING, s, training[t], g, tr[s][t][g]);
		}
#undef PUT
	return n;
}

static void test_random_weeks_end_protected_by_exact_bounds(void **state)
{
	(void)state;
	struct disclosure_row rows[2 * 4 * (1 + 4 + 7 + 3)];
	int added = 0;
	for (unsigned seed = 1; seed <= 8; seed++) {
		size_t n = random_week(rows, seed);
		assert_int_equal(n, ARRAY_SIZE(rows));
		struct disclosure *d = disclosure_tables_build(rows, n);
		struct disclosure_outcome out;
		assert_non_null(d);
		assert_int_equal(disclosure_protect(d, 5, &out), 0);
		assert_all_protected(d, 5);
		added += out.added;
		disclosure_free(d);
	}
	assert_true(added > 0); /* the weeks did need the audit */
	disclosure_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interval_protects_needs_width_and_never_one_value),
	    cmocka_unit_test(test_two_hidden_cells_under_a_total_are_pinned),
	    cmocka_unit_test(test_a_wide_enough_pattern_is_left_alone),
	    cmocka_unit_test(test_complement_is_the_smallest_positive_published_cell),
	    cmocka_unit_test(test_any_bounds_its_groups),
	    cmocka_unit_test(test_a_hidden_zero_is_refused),
	    cmocka_unit_test(test_mobile_any_of_five_pins_five_hidden_skin_types),
	    cmocka_unit_test(test_audit_suppresses_more_until_no_skin_type_is_pinned),
	    cmocka_unit_test(test_regions_under_a_published_total),
	    cmocka_unit_test(test_unrelated_tables_keep_their_own_bounds),
	    cmocka_unit_test(test_random_weeks_end_protected_by_exact_bounds),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	disclosure_release();
	return rc;
}
