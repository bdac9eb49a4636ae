/* Closed code lists the database accepts: one definition for C.
 *
 * The schema holds these lists as CHECK constraints or table rows
 * (schema/001_foundation.sql: premises.setting, reports.reporter_role;
 * schema/002_activity_summaries.sql: summary.complication_groups). The
 * vocabulary (vocab.c) is checked against them when it is loaded, so a
 * code the database would refuse, or a group no summary table has a row
 * for, never gets as far as a report. tests/integration/test_code_lists.sh
 * compares these lists with the running schema (`needlewatchd --dump-codes`).
 *
 * Which list lives where: settings and complication groups are named here
 * because the schema fixes them and the vocabulary must stay inside them;
 * complication types and their groups, severities and outcomes are the
 * vocabulary's own (they change with config/vocabulary.json). Reporter
 * roles are not vocabulary terms at all (a report states its role
 * exactly), so this table is their only definition. */
#ifndef NW_CODES_H
#define NW_CODES_H

#include <stddef.h>

/* X-macro lists: code, label for people (the weekly export's tables). The
 * order is the order tables list them. */
#define CODES_SETTINGS(X)                                                                          \
	X(medical_clinic, "Medical clinic")                                                        \
	X(salon, "Beauty salon")                                                                   \
	X(home, "Home (self-administered)")                                                        \
	X(mobile, "Mobile practitioner")                                                           \
	X(unknown, "Setting not known")

/* summary.complication_groups without 'any' (a case with at least one
 * complication, an aggregate rather than a group), in its sort_order. */
#define CODES_GROUPS(X)                                                                            \
	X(infection, "Infection")                                                                  \
	X(pigmentation, "Pigmentation (PIH)")                                                      \
	X(scarring, "Scarring")                                                                    \
	X(granulomatous_allergic, "Granuloma or allergic reaction")                                \
	X(inflammatory, "Prolonged inflammation or acne flare")                                    \
	X(neurological, "Nerve irritation")                                                        \
	X(other, "Other complication")

#define CODES_COUNT_ONE(code, label) +1
enum {
	CODES_N_SETTINGS = 0 CODES_SETTINGS(CODES_COUNT_ONE),
	CODES_N_GROUPS = 0 CODES_GROUPS(CODES_COUNT_ONE),
};

/* Each list as NULL-terminated names, in table order. */
extern const char *const codes_settings[];
extern const char *const codes_groups[];
/* reports.reporter_role: who wrote the report (not a vocabulary field). */
extern const char *const codes_reporter_roles[];

/* The setting every other is compared with (the schema's rate ratios). */
#define CODES_REFERENCE_SETTING "medical_clinic"
/* All complications together: a row of summary.complication_groups. */
#define CODES_GROUP_ANY "any"
/* The group of expected reactions: stored on a complication row, never
 * counted as a complication (every summary excludes it). */
#define CODES_GROUP_EXPECTED "expected"
/* The complication code normalise.c gives redness gone within 72 hours;
 * the vocabulary must put it in CODES_GROUP_EXPECTED. */
#define CODES_TYPE_EXPECTED "expected_reaction"
/* The one complication code that rule reclassifies. */
#define CODES_TYPE_ERYTHEMA "prolonged_erythema"

/* Position of s in a NULL-terminated list, or -1 (also for s NULL). */
int codes_rank(const char *const *list, const char *s);

/* The label of a setting or group code (CODES_GROUP_ANY included), or
 * NULL when it has none. Static storage. */
const char *codes_label(const char *code);

/* list joined by ", " into buf ("medical_clinic, salon, ..."), for messages;
 * returns buf, cut short (never overrun) when it does not fit. */
const char *codes_join(const char *const *list, char *buf, size_t buflen);

#endif
