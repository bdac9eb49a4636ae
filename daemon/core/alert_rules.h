/* Alert rules: which signals fire in one week, computed from weekly counts in memory.
 *
 * Pure: alerts.c loads the counts from the database into a struct alert_data, calls
 * alert_rules_evaluate() once per week and stores what it returns. Nothing here reads
 * the clock or the database, so the rules are tested on hand-made series
 * (tests/unit/test_alert_rules.c) and the backtest replays history with the same code. */
#ifndef NW_ALERT_RULES_H
#define NW_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "farrington.h"

struct cJSON;

/* The parameters of the rules (config keys alerts_*, see config.c). */
struct alert_params {
	int sentinel_window_weeks;	   /* rule 1: 12 */
	int sentinel_cluster_cases;	   /* rule 1: 2 */
	int cluster_window_weeks;	   /* rule 2: 4 */
	int cluster_baseline_weeks;	   /* rule 2: 52 */
	int cluster_min_baseline_weeks;	   /* rule 2: 8 */
	int cluster_min_cases;		   /* rule 2: 3 */
	double cluster_red_alpha;	   /* rule 2: 0.05, Bonferroni over the premises tested */
	double cluster_amber_alpha;	   /* rule 2: 0.01 */
	int exceedance_baseline_weeks;	   /* rule 3: 52 */
	int exceedance_min_baseline_weeks; /* rule 3: 4 */
	int exceedance_min_cases;	   /* rule 3: 3 */
	double exceedance_alpha;	   /* rule 3: 0.005 */
	double cusum_kappa;		   /* rule 4: ln 2 */
	double cusum_h;			   /* rule 4: 4 */
	int cusum_min_baseline_weeks;	   /* rule 4: 8 */
	int funnel_weeks;		   /* rule 6: 13 */
	int funnel_min_cases;		   /* rule 6: 3 */
	int disproportion_weeks;	   /* rule 7: 52 */
	double evans_prr;		   /* rule 7: 2 */
	double evans_chi2;		   /* rule 7: 4 */
	int evans_min_reports;		   /* rule 7: 3 */

	/* Rule 5 (farrington.h); min_history_weeks 0 turns it off. */
	struct farrington_params farrington;
};

/*
 * Weekly counts over weeks 0..nweeks-1, week i starting on day week0 + 7i (days since the
 * epoch, a Monday). Premises are registered premises; settings and groups are indexes into
 * the name arrays. Arrays are row-major as the accessors below say; the struct owns
 * nothing (alerts.c allocates and frees it).
 *   procedures[p][w]         the activity premises p reported for week w (0: none)
 *   cases[p][g][w]           cases of group g whose procedure was at premises p in week w
 *   sentinel[p][w]           sentinel-type cases (rule 1) at premises p in week w
 *   unreg_sentinel[s][w]     sentinel-type cases at unregistered places of setting s
 */
struct alert_data {
	long week0;
	int nweeks;
	size_t npremises, nsettings, ngroups;
	const int64_t *premises_id;
	const int *premises_setting;
	const char *const *settings;
	const char *const *groups;
	const uint32_t *procedures;
	const uint32_t *cases;
	const uint32_t *sentinel;
	const uint32_t *unreg_sentinel;
	/* Rule 7: reports (latest versions with a complication) by exposure, complication
	 * type and week. Exposure e < nexposures is "setting:device" of a report done at
	 * home or at an unregistered place; e = nexposures counts every other report.
	 * Type ty < ntypes is a complication type; ty = ntypes counts the reports whatever
	 * their types. disprop[(e * (ntypes + 1) + ty) * nweeks + w]. NULL: no rule 7. */
	size_t nexposures, ntypes;
	const char *const *exposures;
	const char *const *types;
	const uint32_t *disprop;
};

enum alert_level { ALERT_AMBER, ALERT_RED };

/* One signal that fires in the week evaluated. evidence is a cJSON object owned by the
 * signal (alert_signals_free). key identifies the episode: the same subject in
 * consecutive weeks has the same key. */
struct alert_signal {
	int rule;
	const char *kind; /* static: "cluster", "exceedance", ... */
	char key[160];
	int64_t premises_id;  /* 0: none */
	const char *setting;  /* points into alert_data, or NULL */
	const char *group;    /* points into alert_data, or NULL */
	const char *exposure; /* rule 7, points into alert_data, or NULL */
	const char *type;     /* rule 7, points into alert_data, or NULL */
	uint64_t observed;
	double expected; /* NAN when the rule has none */
	uint64_t procedures;
	double p_value;	  /* NAN when the rule gives a score instead */
	double score;	  /* NAN when the rule gives a p instead */
	double threshold; /* what p must be below, or the score above */
	enum alert_level level;
	struct cJSON *evidence;
};

struct alert_signals {
	struct alert_signal *v;
	size_t n, cap;
};

/* Appends to out every signal of rules 1-7 for week index t of data. Returns 0 or
 * -ENOMEM (out keeps what was appended; free it with alert_signals_free). */
int alert_rules_evaluate(const struct alert_data *data, const struct alert_params *params, int t,
			 struct alert_signals *out);

/* Frees every signal's evidence and the array; out is empty and reusable after. */
void alert_signals_free(struct alert_signals *out);

#endif
