/* Tests for daemon/core/summary_query.c: the parameters of GET /v1/summaries.
 * Today is fixed at 2026-11-27 (a Friday of 2026-W48). */
#include "helpers.h"

#include "isoweek.h"
#include "codes.h"
#include "summary_query.h"

#define BIT SUMMARY_DIM_BIT

struct fixture {
	struct arena *a;
	struct issues errors;
	struct summary_query q;
	struct summary_types types;
};

TH_ARENA_FIXTURE

/* "key=value&key=value" (no URL decoding: MHD has done it), today 2026-11-27. */
static int parse(struct fixture *f, const char *query)
{
	struct summary_param p[16];
	size_t n = 0;
	long today;
	assert_int_equal(isoweek_parse_date("2026-11-27", &today), 0);
	char *copy = arena_strdup(f->a, query), *save = NULL;
	for (char *kv = strtok_r(copy, "&", &save); kv && n < 16; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = '\0';
		p[n++] = (struct summary_param){.key = kv, .value = eq};
	}
	assert_int_equal(summary_types_from_vocab(f->a, shipped.vocab, &f->types), 0);
	return summary_query_parse(&f->q, p, n, today, &f->types, &f->errors);
}

static void test_defaults_are_a_quarter_by_setting_and_complication(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, ""), 0);
	assert_string_equal(f->q.to_text, "2026-W48");
	assert_string_equal(f->q.from_text, "2026-W36"); /* 13 weeks, W36..W48 */
	assert_string_equal(f->q.from_date, "2026-08-31");
	assert_string_equal(f->q.to_date, "2026-11-23");
	assert_int_equal(f->q.n_by, 2);
	assert_int_equal(f->q.by[0], SUMMARY_SETTING);
	assert_int_equal(f->q.by[1], SUMMARY_COMPLICATION);
	assert_int_equal(f->q.needed, BIT(SUMMARY_SETTING) | BIT(SUMMARY_COMPLICATION));
}

static void test_by_keeps_the_order_asked(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "from=2026-W40&to=2026-W47&by=region,week,training,"
				  "complication_type,fitzpatrick"),
			 0);
	assert_string_equal(f->q.from_date, "2026-09-28");
	assert_string_equal(f->q.to_date, "2026-11-16");
	assert_int_equal(f->q.n_by, 5);
	assert_int_equal(f->q.by[0], SUMMARY_REGION);
	assert_int_equal(f->q.by[1], SUMMARY_WEEK);
	assert_int_equal(f->q.by[4], SUMMARY_FITZPATRICK);
	assert_false(f->q.needed & BIT(SUMMARY_SETTING));
}

static void test_filters_join_the_needed_dimensions(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "by=week&setting=salon&complication=pigmentation"), 0);
	assert_string_equal(f->q.setting, "salon");
	assert_string_equal(f->q.complication, "pigmentation");
	assert_int_equal(f->q.by_mask, BIT(SUMMARY_WEEK));
	assert_int_equal(f->q.needed,
			 BIT(SUMMARY_WEEK) | BIT(SUMMARY_SETTING) | BIT(SUMMARY_COMPLICATION));
	/* The default range ends this week when only from is given. */
	assert_int_equal(parse(f, "from=2026-W01&complication_type=pih"), 0);
	assert_string_equal(f->q.to_text, "2026-W48");
	assert_true(f->q.needed & BIT(SUMMARY_COMPLICATION_TYPE));
}

static void test_unknown_by_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "by=setting,colour"), -EINVAL);
	th_assert_issue(&f->errors, "by", "unknown breakdown \"colour\"");
	assert_int_equal(parse(f, "by="), -EINVAL);
	th_assert_issue(&f->errors, "by", "unknown breakdown \"\"");
	assert_int_equal(parse(f, "by=setting,,week"), -EINVAL);
	assert_int_equal(parse(f, "by=Setting"), -EINVAL);
	assert_int_equal(parse(f, "by=week,week"), -EINVAL);
	th_assert_issue(&f->errors, "by", "given twice");
}

static void test_malformed_weeks_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "from=2026W40"), -EINVAL);
	th_assert_issue(&f->errors, "from", "malformed ISO week");
	assert_int_equal(parse(f, "to=2026-W60"), -EINVAL);
	th_assert_issue(&f->errors, "to", "W01 to W52");
	assert_int_equal(parse(f, "from=2025-W53"), -EINVAL);
	th_assert_issue(&f->errors, "from", "no week 53");
	assert_int_equal(parse(f, "from=2026-11-02"), -EINVAL);
	assert_int_equal(parse(f, "from"), -EINVAL);
}

static void test_ranges_are_ordered_and_bounded(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "from=2026-W47&to=2026-W40"), -EINVAL);
	th_assert_issue(&f->errors, "from", "after to");
	assert_int_equal(parse(f, "from=2000-W01&to=2026-W40"), -EINVAL);
	th_assert_issue(&f->errors, "to", "longer than");
	/* A year boundary, and a single week. */
	assert_int_equal(parse(f, "from=2025-W52&to=2026-W01"), 0);
	assert_string_equal(f->q.from_date, "2025-12-22");
	assert_string_equal(f->q.to_date, "2025-12-29");
	assert_int_equal(parse(f, "from=2026-W53&to=2026-W53"), 0);
	assert_string_equal(f->q.to_date, "2026-12-28");
}

static void test_unknown_and_repeated_parameters_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "form=2026-W40"), -EINVAL);
	th_assert_issue(&f->errors, "form", "unknown parameter");
	assert_int_equal(parse(f, "by=week&by=setting"), -EINVAL);
	th_assert_issue(&f->errors, "by", "given twice");
}

static void test_filter_values_are_checked(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "setting=spa&complication=expected&complication_type=rash"),
			 -EINVAL);
	th_assert_issue(&f->errors, "setting", "unknown setting \"spa\"");
	th_assert_issue(&f->errors, "complication", "expected reactions are not complications");
	th_assert_issue(&f->errors, "complication_type", "unknown complication_type");
}

static void test_type_groups(void **state)
{
	struct fixture *f = *state;
	struct summary_types *t = &f->types;

	assert_int_equal(summary_types_from_vocab(f->a, shipped.vocab, t), 0);
	assert_string_equal(summary_type_group(t, "pih"), "pigmentation");
	assert_string_equal(summary_type_group(t, "infection_viral_hsv"), "infection");
	assert_null(summary_type_group(t, "expected_reaction"));
	/* the vocabulary's order, expected reactions left out */
	assert_int_equal(t->n, vocab_code_count(shipped.vocab, VOCAB_COMPLICATION) - 1);
	assert_string_equal(t->type[0], "infection_bacterial");
	assert_null(t->type[t->n]);
	for (size_t i = 0; i < t->n; i++)
		assert_true(codes_rank(codes_groups, t->group[i]) >= 0);
}

/* The type -> group map is the loaded vocabulary's, not a copy compiled in:
 * a vocabulary that files pih under "other" (and has a type of its own)
 * gives the summaries that group and that type. */
static void test_types_follow_the_loaded_vocabulary(void **state)
{
	struct fixture *f = *state;
	struct th_tmpfile tmp;
	char err[512];

	th_write_tmp(&tmp, "{\"version\": 1,\n"
			   " \"setting\": {\"codes\": {\"salon\": []}},\n"
			   " \"practitioner_role\": {\"codes\": {\"doctor\": []},\n"
			   "   \"medically_trained\": {\"doctor\": true}},\n"
			   " \"complication\": {\"groups\": {\"other\": [\"pih\"],\n"
			   "   \"scarring\": [\"scar_new\"]},\n"
			   "   \"codes\": {\"scar_new\": [], \"pih\": []}},\n"
			   " \"severity\": {\"codes\": {\"mild\": []}},\n"
			   " \"outcome\": {\"codes\": {\"resolved\": []}},\n"
			   " \"device\": {\"codes\": {\"pen\": []}},\n"
			   " \"procedure_type\": {\"codes\": {\"microneedling\": []}},\n"
			   " \"sex\": {\"codes\": {\"female\": []}}}\n");
	struct vocab *v = vocab_load(tmp.path, err, sizeof(err));
	unlink(tmp.path);
	assert_non_null(v);
	assert_int_equal(summary_types_from_vocab(f->a, v, &f->types), 0);
	vocab_free(v); /* the types are copies: they outlive a reload */
	assert_int_equal(f->types.n, 2);
	assert_string_equal(f->types.type[0], "scar_new");
	assert_string_equal(summary_type_group(&f->types, "pih"), "other");
	assert_string_equal(summary_type_group(&f->types, "scar_new"), "scarring");

	struct summary_param p[1] = {{"complication_type", "scar_new"}};
	assert_int_equal(summary_query_parse(&f->q, p, 1, 20784, &f->types, &f->errors), 0);
	assert_string_equal(f->q.complication_type, "scar_new");
	p[0].value = "infection_bacterial";
	assert_int_equal(summary_query_parse(&f->q, p, 1, 20784, &f->types, &f->errors), -EINVAL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_defaults_are_a_quarter_by_setting_and_complication),
	    T(test_by_keeps_the_order_asked),
	    T(test_filters_join_the_needed_dimensions),
	    T(test_unknown_by_is_refused),
	    T(test_malformed_weeks_are_refused),
	    T(test_ranges_are_ordered_and_bounded),
	    T(test_unknown_and_repeated_parameters_are_refused),
	    T(test_filter_values_are_checked),
	    T(test_type_groups),
	    T(test_types_follow_the_loaded_vocabulary),
	};
	return cmocka_run_group_tests(tests, th_tables_setup, th_tables_teardown);
}
