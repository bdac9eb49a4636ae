/* Report members: the allow-list (see report_members.h).
 *
 * The copy is built up from the allow-list rather than pruned from the
 * document, so nothing reaches storage unless a line below names it. */
#include "report_members.h"

#include <string.h>

/* Name tables, laid out by hand: clang-format would put one name per line. */
/* clang-format off */
static const char *const report_members[] = {
	"client_ref", "version", "reporter_role", "procedure", "patient", "complications",
	"narrative", NULL
};

static const char *const procedure_members[] = {
	"date", "type", "setting", "premises_code", "practitioner_role", "device",
	"needle_depth", "areas", "products", "sterile_single_use_cartridge",
	"antiviral_prophylaxis", NULL
};

static const char *const patient_members[] = {
	"age_band", "sex", "fitzpatrick", "history", "ref", "postcode_district", NULL
};

static const char *const complication_members[] = {
	"type", "onset_days", "duration_days", "severity", "serious", "outcome", "treatment",
	NULL
};
/* clang-format on */

static const char *const *const sections[] = {
    [SECTION_REPORT] = report_members,
    [SECTION_PROCEDURE] = procedure_members,
    [SECTION_PATIENT] = patient_members,
    [SECTION_COMPLICATION] = complication_members,
};

bool report_member_known(enum report_section section, const char *name)
{
	if (!name)
		return false;
	for (const char *const *m = sections[section]; *m; m++)
		if (strcmp(*m, name) == 0)
			return true;
	return false;
}

static cJSON *copy_section(const cJSON *obj, enum report_section section);

/* Each complication cut like a section; an item that is not an object made
 * the report invalid, so it never gets here, but is copied as it is. */
static cJSON *copy_complications(const cJSON *arr)
{
	cJSON *out = cJSON_CreateArray();

	for (const cJSON *c = arr->child; out && c; c = c->next) {
		cJSON *item = cJSON_IsObject(c) ? copy_section(c, SECTION_COMPLICATION)
						: cJSON_Duplicate(c, /* recurse= */ 1);
		if (!item || !cJSON_AddItemToArray(out, item)) {
			cJSON_Delete(item);
			cJSON_Delete(out);
			return NULL;
		}
	}
	return out;
}

static cJSON *copy_member(const cJSON *m, enum report_section section)
{
	if (section == SECTION_REPORT && cJSON_IsObject(m) && strcmp(m->string, "procedure") == 0)
		return copy_section(m, SECTION_PROCEDURE);
	if (section == SECTION_REPORT && cJSON_IsObject(m) && strcmp(m->string, "patient") == 0)
		return copy_section(m, SECTION_PATIENT);
	if (section == SECTION_REPORT && cJSON_IsArray(m) &&
	    strcmp(m->string, "complications") == 0)
		return copy_complications(m);
	return cJSON_Duplicate(m, /* recurse= */ 1);
}

/* The defined members of obj, in the order sent. */
static cJSON *copy_section(const cJSON *obj, enum report_section section)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *m = obj->child; out && m; m = m->next) {
		if (!report_member_known(section, m->string))
			continue;
		cJSON *v = copy_member(m, section);
		if (!v || !cJSON_AddItemToObject(out, m->string, v)) {
			cJSON_Delete(v);
			cJSON_Delete(out);
			return NULL;
		}
	}
	return out;
}

cJSON *report_members_copy(const cJSON *doc)
{
	return cJSON_IsObject(doc) ? copy_section(doc, SECTION_REPORT) : NULL;
}
