/* The improved Farrington algorithm (Noufaily et al., Stat Med 2013;32:1206) as
 * surveillance::farringtonFlexible computes it, with the week's procedures as a
 * population offset: rule 5 of the alert rules (alert_rules.c). */
#ifndef NW_FARRINGTON_H
#define NW_FARRINGTON_H

#include <stdbool.h>
#include <stdint.h>

/* The parameters (config keys alerts_farrington_*); in brackets farringtonFlexible's. */
struct farrington_params {
	int min_history_weeks;	  /* 78: weeks with activity before the rule runs */
	int max_years;		  /* 5: b = min(max_years, (weeks - past_weeks_excluded) / 52) */
	int half_window;	  /* 3 [w]: reference weeks t - 52i - w .. t - 52i + w */
	int periods;		  /* 10 [noPeriods]: levels of the seasonal factor */
	int past_weeks_excluded;  /* 26 [pastWeeksNotIncluded] */
	double weights_threshold; /* 2.58 [weightsThreshold]: Anscombe residual to down-weight */
	int trend_min_years;	  /* 3: the trend is kept only when b >= this */
	double trend_p;		  /* 1 [pThresholdTrend]: kept only when its p is below this */
	double alpha;		  /* 0.01 [alpha]: U is the 1 - alpha quantile */
	int min_cases;		  /* 5 [limit54[1]]: cases needed in the last min_cases_weeks */
	int min_cases_weeks;	  /* 4 [limit54[2]] */
};

/* What the algorithm says about week t. */
struct farrington_result {
	int years; /* b */
	uint64_t observed;
	uint64_t recent; /* cases in the min_cases_weeks ending t */
	double expected; /* mu0 = exp(eta0), the predicted count at the week's procedures */
	double phi;	 /* the dispersion, >= 1 */
	double upper;	 /* U: the negative-binomial plug-in (1 - alpha) quantile */
	double p_value;	 /* P(Y >= observed), Y the plug-in NB(mu0, phi) (the package's prob) */
	double score;	 /* (y - eta0) / (U - eta0), the package's score (eta0 on the log scale) */
	bool trend;	 /* the time trend was kept */
	double trend_coef;
	int fit_rows; /* the weeks the model was fitted to */
	bool alarm;   /* recent >= min_cases, score > 1 (i.e. y > U) and y > 0 */
};

/*
 * Week t of a weekly series: cases[w] among procs[w] procedures, w = 0..t (index 0 is the
 * first week the series knows; weeks with procs 0 are left out of the fit, as an NA count
 * is). Evaluates with b years of reference (b >= 1, t - 52b - half_window >= 0). Returns 0,
 * -EDOM when week t has no procedures, -EINVAL for parameters the algorithm cannot use,
 * -ERANGE when the model does not converge with nor without the trend, -ENOMEM.
 */
int farrington_evaluate(const uint64_t *cases, const uint64_t *procs, int t, int b,
			const struct farrington_params *pa, struct farrington_result *ret);

/* The rule as the alerts run it: the history is counted from the first week with
 * procedures; with fewer than min_history_weeks weeks with activity by t the rule does
 * not run (-EDOM). Otherwise b = min(max_years, (weeks - past_weeks_excluded) / 52), weeks
 * = t - first + 1, and farrington_evaluate's result. */
int farrington_run(const uint64_t *cases, const uint64_t *procs, int t,
		   const struct farrington_params *pa, struct farrington_result *ret);

#endif
