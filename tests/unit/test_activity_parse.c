/* Tests for daemon/core/activity_parse.c and isoweek.c against the real
 * config/vocabulary.json (run from the repository root). Today is fixed at
 * 2026-11-27, a Friday of ISO week 2026-W48. */
#include "helpers.h"

#include "activity_parse.h"
#include "isoweek.h"
#include "jsonstrict.h"

#define TEMPLATE_PATH "config/activity-template.csv"
#define TODAY "2026-11-27"

struct fixture {
	struct arena *a;
	struct issues errors;
	struct activity_list list;
	const char *reason;
};

TH_ARENA_FIXTURE

/* JSON with ' for " to keep the literals readable. */
static int parse_json(struct fixture *f, const char *text)
{
	struct activity_ctx ctx = {.vocab = shipped.vocab, .today = TODAY};
	char *s = strdup(text);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct json_limits lim = {.max_depth = 8, .max_string_bytes = 1024};
	cJSON *doc = json_parse_strict(s, strlen(s), &lim, NULL);
	free(s);
	assert_non_null(doc);
	int rc = activity_parse_json(&ctx, doc, f->a, &f->list, &f->errors, &f->reason);
	cJSON_Delete(doc);
	return rc;
}

static int parse_csv(struct fixture *f, const char *text)
{
	struct activity_ctx ctx = {.vocab = shipped.vocab, .today = TODAY};
	return activity_parse_csv(&ctx, text, strlen(text), f->a, &f->list, &f->errors, &f->reason);
}

static void test_isoweek_parse_and_monday(void **state)
{
	struct iso_week w;
	char text[ISOWEEK_TEXT_LEN], date[ISOWEEK_DATE_LEN];
	const char *reason;
	(void)state;
	assert_int_equal(isoweek_parse("2026-W47", &w, NULL), 0);
	assert_int_equal(w.year, 2026);
	assert_int_equal(w.week, 47);
	isoweek_format_date(isoweek_monday(w), date);
	assert_string_equal(date, "2026-11-16");
	/* 2026 starts on a Thursday: it has 53 weeks; 2025 does not. */
	assert_int_equal(isoweek_weeks_in_year(2026), 53);
	assert_int_equal(isoweek_weeks_in_year(2025), 52);
	assert_int_equal(isoweek_weeks_in_year(2020), 53);
	assert_int_equal(isoweek_parse("2025-W53", &w, &reason), -EINVAL);
	assert_non_null(strstr(reason, "no week 53"));
	/* 2024-12-30 is a Monday in week 1 of 2025; 2021-01-03 is in 2020-W53. */
	long d;
	assert_int_equal(isoweek_parse_date("2024-12-30", &d), 0);
	isoweek_format(isoweek_of_day(d), text);
	assert_string_equal(text, "2025-W01");
	assert_int_equal(isoweek_parse_date("2021-01-03", &d), 0);
	isoweek_format(isoweek_of_day(d), text);
	assert_string_equal(text, "2020-W53");
}

static void test_isoweek_rejects_malformed(void **state)
{
	static const char *const bad[] = {"2026-W00",  "2026-W54", "2026W47",
					  "2026-w47",  "2026-W7",  "26-W47",
					  "2026-W470", "",	   "2026-11-16"};
	struct iso_week w;
	long d;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(isoweek_parse(bad[i], &w, NULL), -EINVAL);
	assert_int_equal(isoweek_parse_date("2025-02-29", &d), -EINVAL);
	assert_int_equal(isoweek_parse_date("2024-02-29", &d), 0);
	assert_int_equal(isoweek_parse_date("2024-13-01", &d), -EINVAL);
}

static void test_json_object_with_breakdowns(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f,
				    "{'period': '2026-W47', 'procedure_type': 'dermapen treatment',"
				    " 'procedures': 120, 'by_fitzpatrick': {'1': 10, 'II': 20, "
				    "'type 3': 30, '4': 30, '5': 20, '6': 10},"
				    " 'by_training': {'medically_trained': 100, "
				    "'not_medically_trained': 20}}"),
			 0);
	assert_int_equal(f->list.n, 1);
	assert_false(f->list.many);
	const struct activity *a = &f->list.v[0];
	assert_string_equal(a->period, "2026-W47");
	assert_string_equal(a->week_start, "2026-11-16");
	assert_string_equal(a->procedure_type, "microneedling");
	assert_int_equal(a->procedures, 120);
	assert_true(a->has_fitzpatrick);
	assert_int_equal(a->by_fitzpatrick[1], 20);
	assert_int_equal(a->by_fitzpatrick[2], 30);
	assert_true(a->has_training);
	assert_int_equal(a->trained, 100);
	assert_int_equal(a->untrained, 20);
}

static void test_json_defaults_and_date_period(void **state)
{
	struct fixture *f = *state;
	/* A date stands for its week; the type defaults to microneedling. */
	assert_int_equal(parse_json(f, "{'period': '2026-11-18', 'procedures': 0}"), 0);
	assert_string_equal(f->list.v[0].period, "2026-W47");
	assert_string_equal(f->list.v[0].procedure_type, "microneedling");
	assert_false(f->list.v[0].has_fitzpatrick);
	assert_false(f->list.v[0].has_training);
}

static void test_negative_count_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': -3}"), -EINVAL);
	th_assert_issue(&f->errors, "procedures", "negative");
}

static void test_fractional_and_text_counts_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': 1.5,"
				       " 'by_training': {'medically_trained': '1'}}"),
			 -EINVAL);
	th_assert_issue(&f->errors, "procedures", "whole number");
	th_assert_issue(&f->errors, "by_training.medically_trained", "whole number");
}

static void test_future_week_is_refused(void **state)
{
	struct fixture *f = *state;
	/* This week (W48) is allowed; next week is not. */
	assert_int_equal(parse_json(f, "{'period': '2026-W48', 'procedures': 1}"), 0);
	assert_int_equal(parse_json(f, "{'period': '2026-W49', 'procedures': 1}"), -EINVAL);
	th_assert_issue(&f->errors, "period", "future");
}

static void test_malformed_period_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "[{'period': '2026-47', 'procedures': 1},"
				       " {'period': '2025-W53', 'procedures': 1},"
				       " {'period': '1999-W10', 'procedures': 1},"
				       " {'procedures': 1}, {'period': 202647, 'procedures': 1}]"),
			 -EINVAL);
	th_assert_issue(&f->errors, "[0].period", "malformed ISO week");
	th_assert_issue(&f->errors, "[1].period", "no week 53");
	th_assert_issue(&f->errors, "[2].period", "before 2000");
	th_assert_issue(&f->errors, "[3].period", "required");
	th_assert_issue(&f->errors, "[4].period", "string");
}

static void test_fitzpatrick_must_sum_to_procedures(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': 120,"
				       " 'by_fitzpatrick': {'1': 10, '2': 20}}"),
			 -EINVAL);
	th_assert_issue(&f->errors, "by_fitzpatrick", "adds up to 30, not to procedures (120)");
}

static void test_fitzpatrick_keys_are_checked(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': 30,"
				       " 'by_fitzpatrick': {'4': 10, 'IV': 10, '7': 5, '1': -5}}"),
			 -EINVAL);
	th_assert_issue(&f->errors, "by_fitzpatrick.IV", "given twice");
	th_assert_issue(&f->errors, "by_fitzpatrick.7", "not a Fitzpatrick type");
	th_assert_issue(&f->errors, "by_fitzpatrick.1", "negative");
}

static void test_training_must_sum_to_procedures(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': 50,"
				       " 'by_training': {'medically_trained': 10, 'nurses': 4}}"),
			 -EINVAL);
	th_assert_issue(&f->errors, "by_training.nurses", "unknown member");
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': 50,"
				       " 'by_training': {'medically_trained': 10}}"),
			 -EINVAL);
	th_assert_issue(&f->errors, "by_training", "adds up to 10, not to procedures (50)");
}

static void test_unknown_members_and_types_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "{'period': '2026-W47', 'procedures': 5,"
				       " 'procedure_type': 'tattooing', 'by_fitzpatric': {}}"),
			 -EINVAL);
	th_assert_issue(&f->errors, "by_fitzpatric", "unknown member");
	th_assert_issue(&f->errors, "procedure_type", "unknown procedure type");
}

static void test_array_repeat_of_week_and_type_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f,
				    "[{'period': '2026-W46', 'procedures': 5},"
				    " {'period': '2026-W46', 'procedure_type': 'RF microneedling',"
				    "  'procedures': 5},"
				    " {'period': '2026-11-12', 'procedures': 7}]"),
			 -EINVAL);
	/* [1] is another type; [2] is a date of the same week as [0]. */
	assert_int_equal(f->errors.n, 1);
	th_assert_issue(&f->errors, "[2].period", "2026-W46 microneedling is also in [0]");
}

static void test_shapes_that_are_not_activity(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_json(f, "'2026-W47'"), -EBADMSG);
	assert_non_null(f->reason);
	assert_int_equal(parse_json(f, "[]"), -EINVAL);
	assert_int_equal(parse_json(f, "[1]"), -EINVAL);
	th_assert_issue(&f->errors, "[0]", "must be an object");
}

static void test_csv_rows_with_breakdowns(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_csv(f,
				   "Period;Procedure Type;Procedures;Fitzpatrick 1;fitzpatrick_2;"
				   "FITZPATRICK-3;fitzpatrick4;fitzpatrick5;fitzpatrick6;"
				   "medically_trained;not_medically_trained\r\n"
				   "2026-W46;microneedling;100;10;20;30;20;;20;;\r\n"
				   "2026-W47;RF microneedling;40;;;;;;;40;0\r\n"),
			 0);
	assert_true(f->list.many);
	assert_int_equal(f->list.n, 2);
	assert_true(f->list.v[0].has_fitzpatrick);
	assert_int_equal(f->list.v[0].by_fitzpatrick[4], 0); /* blank counts 0 */
	assert_false(f->list.v[0].has_training);
	assert_string_equal(f->list.v[1].procedure_type, "rf_microneedling");
	assert_false(f->list.v[1].has_fitzpatrick);
	assert_true(f->list.v[1].has_training);
	assert_int_equal(f->list.v[1].trained, 40);
}

static void test_csv_errors_name_the_line(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_csv(f, "period,procedures,fitzpatrick_1,fitzpatrick_2\n"
				      "2026-W45,10,5,5\n"
				      "2026-W46,-1,,\n"
				      "2026-W47,ten,,\n"
				      "2026-W47,10,1,1\n"
				      "2026-W48,1\n"),
			 -EINVAL);
	th_assert_issue(&f->errors, "line 3.procedures", "negative");
	th_assert_issue(&f->errors, "line 4.procedures", "whole number");
	th_assert_issue(&f->errors, "line 5.by_fitzpatrick", "adds up to 2");
	th_assert_issue(&f->errors, "line 6", "has 2 fields, the header has 4");
}

static void test_csv_that_is_not_a_table_of_activity(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse_csv(f, "period,procedures,colour\n2026-W47,1,red\n"), -EBADMSG);
	assert_non_null(strstr(f->reason, "unknown column \"colour\""));
	assert_int_equal(parse_csv(f, "period,procedures,week\n2026-W47,1,2026-W47\n"), -EBADMSG);
	assert_non_null(strstr(f->reason, "appears twice"));
	assert_int_equal(parse_csv(f, "procedure_type,procedures\nmicroneedling,1\n"), -EBADMSG);
	assert_int_equal(parse_csv(f, "period,procedures\n"), -EBADMSG);
	assert_non_null(strstr(f->reason, "no rows"));
	assert_int_equal(parse_csv(f, "period,procedures\n\"2026-W47,1\n"), -EBADMSG);
}

/* The template shipped for booking systems must itself be valid. */
static void test_template_is_valid_activity(void **state)
{
	struct fixture *f = *state;
	char *text = th_read_file(TEMPLATE_PATH, NULL);

	assert_int_equal(parse_csv(f, text), 0);
	assert_true(f->list.n >= 2);
	assert_true(f->list.v[0].has_fitzpatrick);
	free(text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_isoweek_parse_and_monday),
	    T(test_isoweek_rejects_malformed),
	    T(test_json_object_with_breakdowns),
	    T(test_json_defaults_and_date_period),
	    T(test_negative_count_is_refused),
	    T(test_fractional_and_text_counts_are_refused),
	    T(test_future_week_is_refused),
	    T(test_malformed_period_is_refused),
	    T(test_fitzpatrick_must_sum_to_procedures),
	    T(test_fitzpatrick_keys_are_checked),
	    T(test_training_must_sum_to_procedures),
	    T(test_unknown_members_and_types_are_refused),
	    T(test_array_repeat_of_week_and_type_is_refused),
	    T(test_shapes_that_are_not_activity),
	    T(test_csv_rows_with_breakdowns),
	    T(test_csv_errors_name_the_line),
	    T(test_csv_that_is_not_a_table_of_activity),
	    T(test_template_is_valid_activity),
	};
	return cmocka_run_group_tests(tests, th_tables_setup, th_tables_teardown);
}
