/* Tests for daemon/core/summary_table.c and summary_render.c: rows of
 * GET /v1/summaries from aggregated counts, without a database. The ratio
 * reference values are those of tests/unit/test_stats.c (statsmodels). */
#include <math.h>

#include "helpers.h"

#include "summary_query.h"
#include "summary_render.h"
#include "summary_table.h"

#define REL_TOL 5e-7

struct fixture {
	struct arena *a;
	struct issues errors;
	struct summary_types types;
	struct summary_query q;
	struct summary_table t;
};

TH_ARENA_FIXTURE

static void query(struct fixture *f, const char *by, const char *setting)
{
	struct summary_param p[3] = {{"from", "2026-W40"}, {"by", by}, {"setting", setting}};
	long today = 20784; /* 2026-11-27 */
	assert_int_equal(summary_types_from_vocab(f->a, shipped.vocab, &f->types), 0);
	assert_int_equal(
	    summary_query_parse(&f->q, p, setting ? 3 : 2, today, &f->types, &f->errors), 0);
}

static void assert_close(double got, double want)
{
	if (fabs(got - want) > REL_TOL * fabs(want))
		fail_msg("got %.17g, want %.17g", got, want);
}

static const struct summary_row *find(const struct fixture *f, const char *setting,
				      const char *group)
{
	for (size_t i = 0; i < f->t.n; i++) {
		const struct summary_key *k = &f->t.rows[i].key;
		if ((!setting ||
		     (k->v[SUMMARY_SETTING] && strcmp(k->v[SUMMARY_SETTING], setting) == 0)) &&
		    (!group || (k->v[SUMMARY_COMPLICATION] &&
				strcmp(k->v[SUMMARY_COMPLICATION], group) == 0)))
			return &f->t.rows[i];
	}
	fail_msg("no row %s/%s", setting ? setting : "-", group ? group : "-");
	return NULL;
}

#define KEY(s, g)                                                                                  \
	{                                                                                          \
		.v = { [SUMMARY_SETTING] = (s), [SUMMARY_COMPLICATION] = (g) }                     \
	}
#define KEYF(s, g, fz)                                                                             \
	{                                                                                          \
		.v = { [SUMMARY_SETTING] = (s),                                                    \
		       [SUMMARY_COMPLICATION] = (g),                                               \
		       [SUMMARY_FITZPATRICK] = (fz) }                                              \
	}

/* the worked example of docs/rates.md: 6 infections in 500 salon procedures against 2 in
 * 1,000 at medical clinics; 2 of the salons' 6 came from third-party reports. */
static const struct summary_events design_events[] = {
    {KEY("salon", "infection"), 6, 6, 2, 3},
    {KEY("medical_clinic", "infection"), 2, 3, 0, 0}, /* one case without activity */
    {KEY("home", "pigmentation"), 0, 2, 0, 0},	   /* no activity at all */
};
static const struct summary_denominator design_den[] = {
    {KEY("salon", NULL), 500, 2, 1, 4, 1},
    {KEY("medical_clinic", NULL), 1000, 3, 0, 0, 0},
};

static void build_design(struct fixture *f)
{
	struct summary_input in = {.q = &f->q,
				   .events = design_events,
				   .n_events = 3,
				   .denominators = design_den,
				   .n_denominators = 2};
	assert_int_equal(summary_table_build(f->a, &in, &f->t), 0);
}

static void test_design_example_row(void **state)
{
	struct fixture *f = *state;
	query(f, "setting,complication", NULL);
	build_design(f);
	const struct summary_row *r = find(f, "salon", "infection");
	assert_int_equal(r->events, 6);
	assert_int_equal(r->events_third_party, 2);
	assert_int_equal(r->procedures, 500);
	assert_int_equal(r->premises_reporting, 2);
	assert_true(r->has_rate && r->has_ci);
	assert_close(r->rate_per_1000, 12.0);
	assert_close(r->ci.ci95_low, 5.5109951740276983);
	assert_close(r->ci.ci95_high, 25.930361116447294);
	assert_string_equal(r->ci.method, "wilson");
	assert_true(r->has_ratio);
	assert_close(r->ratio.ratio, 6.0);
	assert_close(r->ratio.ci95_low, 1.2153842972026438);
	assert_close(r->ratio.ci95_high, 29.620260919001847);
	assert_false(r->ratio.haldane);
}

static void test_every_group_gets_a_row_and_zero_is_a_rate(void **state)
{
	struct fixture *f = *state;
	query(f, "setting,complication", NULL);
	build_design(f);
	/* 2 settings with activity × 7 groups, and home's one cell without. */
	assert_int_equal(f->t.n, 15);
	const struct summary_row *r = find(f, "salon", "scarring");
	assert_int_equal(r->events, 0);
	assert_true(r->has_rate);
	assert_close(r->rate_per_1000, 0.0);
	assert_string_equal(r->ci.method, "exact");
	/* 0 against 0: no ratio, even with Haldane's correction. */
	assert_false(r->has_ratio);
	const struct summary_row *h = find(f, "home", "pigmentation");
	assert_false(h->has_rate);
	assert_int_equal(h->events_without_activity, 2);
	const struct summary_row *m = find(f, "medical_clinic", "infection");
	assert_int_equal(m->events_without_activity, 1);
	assert_int_equal(m->events_third_party, 0);
	assert_false(m->has_ratio); /* the reference itself */
	assert_string_equal(m->ci.method, "exact");
}

static void test_rows_follow_the_tables_order(void **state)
{
	struct fixture *f = *state;
	query(f, "setting,complication", NULL);
	build_design(f);
	assert_string_equal(f->t.rows[0].key.v[SUMMARY_SETTING], "medical_clinic");
	assert_string_equal(f->t.rows[0].key.v[SUMMARY_COMPLICATION], "infection");
	assert_string_equal(f->t.rows[1].key.v[SUMMARY_COMPLICATION], "pigmentation");
	assert_string_equal(f->t.rows[7].key.v[SUMMARY_SETTING], "salon");
	assert_string_equal(f->t.rows[14].key.v[SUMMARY_SETTING], "home");
}

static void test_setting_filter_keeps_the_comparison(void **state)
{
	struct fixture *f = *state;
	/* by=complication&setting=salon: rows for salon only, still compared
	 * with medical_clinic, which is filtered out of the answer. */
	query(f, "complication", "salon");
	build_design(f);
	assert_int_equal(f->t.n, 7);
	const struct summary_row *r = find(f, NULL, "infection");
	assert_true(r->has_ratio);
	assert_close(r->ratio.ratio, 6.0);
}

static void test_haldane_when_a_count_is_zero(void **state)
{
	struct fixture *f = *state;
	static const struct summary_events ev[] = {{KEY("medical_clinic", "infection"), 3, 3, 0, 0}};
	static const struct summary_denominator den[] = {{KEY("salon", NULL), 400, 1, 0, 0, 0},
							 {KEY("medical_clinic", NULL), 600, 1, 0, 0, 0}};
	struct summary_input in = {
	    .q = &f->q, .events = ev, .n_events = 1, .denominators = den, .n_denominators = 2};
	query(f, "setting,complication", NULL);
	assert_int_equal(summary_table_build(f->a, &in, &f->t), 0);
	const struct summary_row *r = find(f, "salon", "infection");
	assert_true(r->has_ratio);
	assert_true(r->ratio.haldane);
	assert_close(r->ratio.ratio, 0.21410758817242606);
	assert_close(r->ratio.ci95_low, 0.011089379278143493);
}

static void test_adjusted_ratio_over_fitzpatrick_strata(void **state)
{
	struct fixture *f = *state;
	/* test_stats.c's three strata {a, n1, b, n2}: {3,200,1,300}, {8,400,4,500},
	 * {2,100,0,150} as Fitzpatrick types 2, 4 and 5. */
	static const struct summary_events fev[] = {
	    {KEYF("salon", "infection", "2"), 3, 3, 0, 0},
	    {KEYF("salon", "infection", "4"), 8, 9, 0, 0},
	    {KEYF("salon", "infection", "5"), 2, 2, 0, 0},
	    {KEYF("medical_clinic", "infection", "2"), 1, 1, 0, 0},
	    {KEYF("medical_clinic", "infection", "4"), 4, 4, 0, 0},
	};
	static const struct summary_denominator fden[] = {
	    {KEYF("salon", NULL, "2"), 200, 1, 0, 0, 0},
	    {KEYF("salon", NULL, "4"), 400, 1, 0, 0, 0},
	    {KEYF("salon", NULL, "5"), 100, 1, 0, 0, 0},
	    {KEYF("medical_clinic", NULL, "2"), 300, 1, 0, 0, 0},
	    {KEYF("medical_clinic", NULL, "4"), 500, 1, 0, 0, 0},
	    {KEYF("medical_clinic", NULL, "5"), 150, 1, 0, 0, 0},
	};
	struct summary_input in = {.q = &f->q,
				   .events = design_events,
				   .n_events = 3,
				   .denominators = design_den,
				   .n_denominators = 2,
				   .fitz_events = fev,
				   .n_fitz_events = 5,
				   .fitz_denominators = fden,
				   .n_fitz_denominators = 6};
	query(f, "setting,complication", NULL);
	assert_true(summary_table_wants_adjusted(&f->q));
	assert_int_equal(summary_table_build(f->a, &in, &f->t), 0);
	const struct summary_row *r = find(f, "salon", "infection");
	assert_true(r->has_adjusted);
	assert_close(r->adjusted.ratio, 3.4183673469387759);
	assert_close(r->adjusted.ci95_low, 1.2368777216470552);
	assert_close(r->adjusted.ci95_high, 9.4473650176647315);
	assert_false(find(f, "salon", "pigmentation")->has_adjusted);
}

static void test_no_adjustment_by_fitzpatrick_or_training(void **state)
{
	struct fixture *f = *state;
	query(f, "setting,fitzpatrick", NULL);
	assert_false(summary_table_wants_adjusted(&f->q));
	query(f, "training,setting", NULL);
	assert_false(summary_table_wants_adjusted(&f->q));
	query(f, "complication", NULL);
	assert_false(summary_table_wants_adjusted(&f->q));
}

static void test_unknown_values_sort_last_and_render_as_null(void **state)
{
	struct fixture *f = *state;
	static const struct summary_events ev[] = {
	    {.key = {.v = {[SUMMARY_FITZPATRICK] = NULL}}, 0, 4},
	    {.key = {.v = {[SUMMARY_FITZPATRICK] = "3"}}, 1, 1},
	};
	static const struct summary_denominator den[] = {
	    {.key = {.v = {[SUMMARY_FITZPATRICK] = "3"}}, 250, 2},
	};
	struct summary_input in = {
	    .q = &f->q, .events = ev, .n_events = 2, .denominators = den, .n_denominators = 1};
	query(f, "fitzpatrick", NULL);
	assert_int_equal(summary_table_build(f->a, &in, &f->t), 0);
	assert_int_equal(f->t.n, 2);
	assert_string_equal(f->t.rows[0].key.v[SUMMARY_FITZPATRICK], "3");
	assert_null(f->t.rows[1].key.v[SUMMARY_FITZPATRICK]);

	cJSON *j = summary_render_json(&f->q, &f->t, NULL, 0, NULL, 5);
	cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
	cJSON *r0 = cJSON_GetArrayItem(rows, 0), *r1 = cJSON_GetArrayItem(rows, 1);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(r0, "fitzpatrick")->valueint, 3);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r1, "fitzpatrick")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r1, "rate_per_1000")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(r1, "events_without_activity")->valueint,
			 4);
	/* exactly the by keys: no setting, no complication */
	assert_null(cJSON_GetObjectItemCaseSensitive(r0, "setting"));
	assert_null(cJSON_GetObjectItemCaseSensitive(r0, "complication"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "generated_at")));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "unregistered"));
	cJSON_Delete(j);
}

static void test_json_answer_shape(void **state)
{
	struct fixture *f = *state;
	struct summary_unregistered u[] = {{KEY("home", "infection"), 3}};
	query(f, "setting,complication", NULL);
	build_design(f);
	cJSON *j = summary_render_json(&f->q, &f->t, u, 1, "2026-11-23T06:00:00Z", 5);
	char *text = cJSON_PrintUnformatted(j);
	assert_non_null(strstr(text, "\"from\":\"2026-W40\",\"to\":\"2026-W48\","
				     "\"by\":[\"setting\",\"complication\"],"
				     "\"generated_at\":\"2026-11-23T06:00:00Z\","
				     "\"suppression_threshold\":5,\"rows\":["));
	assert_non_null(strstr(text, "{\"setting\":\"salon\",\"complication\":\"infection\","
				     "\"events\":6,\"procedures\":500,\"rate_per_1000\":12,"
				     "\"ci95_low\":5.510995174,\"ci95_high\":25.93036112,"
				     "\"ci_method\":\"wilson\",\"rate_ratio\":6,"
				     "\"rr_ci95_low\":1.215384297,\"rr_ci95_high\":29.62026092,"
				     "\"rr_haldane\":false,\"rr_adjusted\":null,"
				     "\"rr_adjusted_ci95_low\":null,\"rr_adjusted_ci95_high\":null,"
				     "\"premises_reporting\":2,\"events_without_activity\":0,"
				     "\"events_third_party\":2,\"premises_active\":4,"
				     "\"premises_silent\":1,\"premises_implausible\":1,"
				     "\"events_implausible\":3}"));
	assert_non_null(strstr(text, "\"unregistered\":[{\"setting\":\"home\","
				     "\"complication\":\"infection\",\"cases\":3}]"));
	free(text);
	cJSON_Delete(j);
}

static void test_csv_has_the_same_columns(void **state)
{
	struct fixture *f = *state;
	size_t len;
	query(f, "setting,complication", NULL);
	build_design(f);
	char *csv = summary_render_csv(&f->q, &f->t, &len);
	assert_non_null(csv);
	assert_int_equal(strlen(csv), len);
	assert_memory_equal(csv,
			    "setting,complication,events,procedures,rate_per_1000,ci95_low,"
			    "ci95_high,ci_method,rate_ratio,rr_ci95_low,rr_ci95_high,rr_haldane,"
			    "rr_adjusted,rr_adjusted_ci95_low,rr_adjusted_ci95_high,"
			    "premises_reporting,events_without_activity,events_third_party,"
			    "premises_active,premises_silent,premises_implausible,events_implausible\r\n",
			    strlen("setting,complication,events,procedures,rate_per_1000,ci95_low,"
				   "ci95_high,ci_method,rate_ratio,rr_ci95_low,rr_ci95_high,"
				   "rr_haldane,rr_adjusted,rr_adjusted_ci95_low,"
				   "rr_adjusted_ci95_high,premises_reporting,"
				   "events_without_activity,events_third_party,premises_active,"
				   "premises_silent,premises_implausible,events_implausible\r\n"));
	assert_non_null(strstr(csv, "\r\nsalon,infection,6,500,12,5.510995174,25.93036112,wilson,"
				    "6,1.215384297,29.62026092,false,,,,2,0,2,4,1,1,3\r\n"));
	assert_non_null(strstr(csv, "\r\nhome,pigmentation,0,0,,,,,,,,,,,,0,2,0,0,0,0,0\r\n"));
	free(csv);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_design_example_row),
	    T(test_every_group_gets_a_row_and_zero_is_a_rate),
	    T(test_rows_follow_the_tables_order),
	    T(test_setting_filter_keeps_the_comparison),
	    T(test_haldane_when_a_count_is_zero),
	    T(test_adjusted_ratio_over_fitzpatrick_strata),
	    T(test_no_adjustment_by_fitzpatrick_or_training),
	    T(test_unknown_values_sort_last_and_render_as_null),
	    T(test_json_answer_shape),
	    T(test_csv_has_the_same_columns),
	};
	return cmocka_run_group_tests(tests, th_tables_setup, th_tables_teardown);
}
