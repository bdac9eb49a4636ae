/* The normalised report: what every input format becomes before storage.
 *
 * All strings live in the arena the report was normalised into. A "coded"
 * value keeps the canonical code and the raw text it came from; an unknown
 * term has code "other" (or "unknown" where the field has no "other") and
 * needs_review set. */
#ifndef NW_REPORT_H
#define NW_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "pseudonym.h"

#define CODE_MAX 40

/* A tri-state boolean: reporters often leave yes/no questions blank. */
enum tristate { TRI_UNKNOWN = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

struct coded {
	char code[CODE_MAX];  /* canonical code, "" when the field was absent */
	const char *raw;      /* what the reporter wrote, NULL when absent */
	bool needs_review;    /* raw text the vocabulary does not know */
};

struct string_list {
	const char **v;
	size_t n;
};

struct complication {
	struct coded type;
	char group[CODE_MAX];       /* "infection", ... ; "expected" for expected reactions */
	int onset_days;             /* -1 when not given */
	int duration_days;          /* -1 when not given */
	struct coded severity;
	enum tristate serious;
	struct coded outcome;
	struct string_list treatment;
};

struct procedure {
	char date[11];              /* ISO 8601 YYYY-MM-DD */
	struct coded type;          /* "microneedling", ... */
	struct coded setting;
	const char *premises_code;  /* where it was done, when registered; NULL otherwise */
	struct coded practitioner_role;
	enum tristate medically_trained;
	struct coded device;
	double needle_depth_mm;     /* < 0 when not given */
	const char *needle_depth_raw;
	struct string_list areas;
	struct string_list products;
	enum tristate sterile_single_use_cartridge;
	enum tristate antiviral_prophylaxis;
};

struct patient {
	const char *age_band;       /* "25-34" ... ; NULL when absent */
	struct coded sex;
	int fitzpatrick;            /* 1-6, 0 when not given */
	const char *fitzpatrick_raw;
	struct string_list history;
	bool has_ref;
	char pseudonym[PSEUDONYM_HEX_LEN + 1]; /* HMAC of patient.ref; "" when absent */
	const char *postcode_district; /* upper-cased, NULL when absent */
	const char *postcode_area;
	const char *region;         /* ITL1 name, NULL when unknown */
};

struct report {
	const char *client_ref;
	int version;
	struct procedure procedure;
	struct patient patient;
	struct complication *complications;
	size_t n_complications;
	const char *reporter_role;  /* practitioner, treating_clinician, patient, other */
	const char *narrative;
	bool needs_review;          /* any coded field needs review */
};

#endif
