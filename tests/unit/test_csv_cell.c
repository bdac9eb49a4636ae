/* Unit tests for daemon/core/csv_cell.c: cells as people type them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "arena.h"
#include "csv_cell.h"

static void test_trim_removes_padding_and_no_break_spaces(void **state)
{
	struct arena *a = arena_new();
	(void)state;
	assert_string_equal(csv_cell_trim(a, "  LS6\t"), "LS6");
	assert_string_equal(csv_cell_trim(a, "\xc2\xa0"
					     "cheeks"
					     "\xc2\xa0"),
			    "cheeks");
	assert_string_equal(csv_cell_trim(a, "\r\n"), "");
	assert_string_equal(csv_cell_trim(a, "caf\xc3\xa9 "), "caf\xc3\xa9");
	arena_free(a);
}

static void test_trim_returns_the_cell_when_nothing_trails(void **state)
{
	static const char cell[] = "  pen";
	struct arena *a = arena_new();
	(void)state;
	assert_ptr_equal(csv_cell_trim(a, cell), cell + 2);
	arena_free(a);
}

static void test_counts_take_days_units(void **state)
{
	long n = -1;
	(void)state;
	assert_int_equal(csv_cell_count("3", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(csv_cell_count("14 days", &n), 0);
	assert_int_equal(n, 14);
	assert_int_equal(csv_cell_count("2D", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(csv_cell_count("1 Day", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(csv_cell_count("about a week", &n), -EINVAL);
	assert_int_equal(csv_cell_count("-3", &n), -EINVAL);
	assert_int_equal(csv_cell_count("3.5", &n), -EINVAL);
	assert_int_equal(csv_cell_count("3 weeks", &n), -EINVAL);
	assert_int_equal(csv_cell_count("1234567890", &n), -EINVAL);
	assert_int_equal(csv_cell_count("", &n), -EINVAL);
}

static void test_yes_no_in_the_ways_forms_write_it(void **state)
{
	(void)state;
	assert_int_equal(csv_cell_yes_no("Yes"), CSV_YES);
	assert_int_equal(csv_cell_yes_no("Y"), CSV_YES);
	assert_int_equal(csv_cell_yes_no("TRUE"), CSV_YES);
	assert_int_equal(csv_cell_yes_no("1"), CSV_YES);
	assert_int_equal(csv_cell_yes_no("no"), CSV_NO);
	assert_int_equal(csv_cell_yes_no("F"), CSV_NO);
	assert_int_equal(csv_cell_yes_no("0"), CSV_NO);
	assert_int_equal(csv_cell_yes_no(""), CSV_UNKNOWN);
	assert_int_equal(csv_cell_yes_no("N/A"), CSV_UNKNOWN);
	assert_int_equal(csv_cell_yes_no("Not known"), CSV_UNKNOWN);
	assert_int_equal(csv_cell_yes_no("?"), CSV_UNKNOWN);
	assert_int_equal(csv_cell_yes_no("maybe"), CSV_NOT_YES_NO);
	assert_int_equal(csv_cell_yes_no("yes please"), CSV_NOT_YES_NO);
}

static void test_list_items_split_trim_and_skip_blanks(void **state)
{
	struct arena *a = arena_new();
	const char *s = " cheeks; forehead,,| chin \nneck;";
	const char *want[] = {"cheeks", "forehead", "chin", "neck"};
	const char *item;
	size_t n = 0;
	(void)state;
	while ((item = csv_cell_next_item(a, &s)))
		assert_string_equal(item, want[n++]);
	assert_int_equal(n, 4);
	s = " ; , ";
	assert_null(csv_cell_next_item(a, &s));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trim_removes_padding_and_no_break_spaces),
	    cmocka_unit_test(test_trim_returns_the_cell_when_nothing_trails),
	    cmocka_unit_test(test_counts_take_days_units),
	    cmocka_unit_test(test_yes_no_in_the_ways_forms_write_it),
	    cmocka_unit_test(test_list_items_split_trim_and_skip_blanks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
