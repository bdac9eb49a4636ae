/* Report members: the allow-list of what the JSON report format defines.
 *
 * Normalisation warns about any other member, and the verbatim body keeps
 * only these: a member nobody foresaw (the next name for a patient's name)
 * can be sent, but it is never stored. Pure. */
#ifndef NW_REPORT_MEMBERS_H
#define NW_REPORT_MEMBERS_H

#include <cJSON.h>
#include <stdbool.h>

/* The warning about a member the format does not define. It is said in the
 * answer but not kept with the stored report: the stored body no longer has
 * the member, so re-deriving the report could not say it again. */
#define REPORT_MEMBERS_UNKNOWN "unknown member, not stored"

enum report_section {
	SECTION_REPORT,
	SECTION_PROCEDURE,
	SECTION_PATIENT,
	SECTION_COMPLICATION,
};

/* Whether name is a member the format defines in that section. */
bool report_member_known(enum report_section section, const char *name);

/* A copy of doc (a report object) with only the members the format defines,
 * at every level. Values of defined members are copied as they are (a list
 * stays a list): normalisation has judged them. The caller owns the result;
 * NULL on out of memory or when doc is not an object. */
cJSON *report_members_copy(const cJSON *doc);

#endif
