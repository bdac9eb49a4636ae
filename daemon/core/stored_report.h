/* The stored report: a normalised report and the place of its procedure →
 * the row of needlewatch.reports and the rows of report_complications.
 *
 * Defined once, here, for the two programs that write those rows: the
 * daemon (server/ingest.c prepares, server/store.c sends) and
 * `needlewatchctl renormalise` (ctl/rederive.c, ctl/renormalise.c), so a
 * re-derived row is the row the daemon would store today. Pure: no libpq,
 * no server state; the premises register is asked through a callback. */
#ifndef NW_STORED_REPORT_H
#define NW_STORED_REPORT_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct issues;
struct report;

/* Who sent the report (from the token) and in what form. */
struct stored_origin {
	long long premises_id; /* the reporting premises */
	long long account_id;
	const char *premises_setting; /* the reporting premises' registered setting */
	const char *format;	      /* "json", "csv", "fhir" */
};

/* Where the procedure was done. */
struct stored_place {
	long long premises_id; /* 0: an unregistered place */
	const char *setting;   /* the effective setting, stored in reports.setting */
};

/* The premises register, asked by code (already in its canonical form):
 * 0 with the premises' id and registered setting, -ENOENT when no premises
 * has the code, -EAGAIN when the register cannot be asked, -ENOMEM. */
typedef int (*stored_premises_lookup)(void *arg, const char *code, long long *ret_id,
				      char *ret_setting, size_t setting_len);

/* Where the procedure was done: a named registered premises, the reporting
 * premises itself when a practitioner reports without a code, or an
 * unregistered place described only by its setting. A practitioner reports
 * only its own procedures, so it may name only its own premises; anyone
 * else (a GP, A&E, a patient) may name any, and the report is stored as
 * third-party (schema/008). Adds the place's warnings (those of
 * stored_report_place_recorded). Returns 0 with *ret (strings in a),
 * -EINVAL with errors added (nothing to store), -EAGAIN or -ENOMEM. */
NW_MUSTCHECK int stored_report_place(const struct report *r, const struct stored_origin *o,
				     stored_premises_lookup lookup, void *lookup_arg,
				     struct arena *a, struct stored_place *ret,
				     struct issues *errors, struct issues *warnings);

/* The place as decided before (a stored row's procedure_premises_id, and
 * that premises' registered setting, NULL if unknown): the effective
 * setting into *ret and the same warnings stored_report_place adds, in the
 * same order, so re-deriving a stored report reproduces them. 0, or
 * -ENOMEM when a warning could not be recorded. */
NW_MUSTCHECK int stored_report_place_recorded(const struct report *r, long long premises_id,
					      const char *registered_setting,
					      struct stored_place *ret, struct issues *warnings);

/* The columns of needlewatch.reports the writer fills, in the order of
 * store.c's INSERT parameters; values are text as PostgreSQL reads them
 * (NULL for SQL NULL). SCOL_COMPLICATIONS is not a column of reports: it is
 * the report_complications rows, as stored_report_complications' text. */
enum stored_column {
	SCOL_PREMISES_ID,
	SCOL_ACCOUNT_ID,
	SCOL_CLIENT_REF,
	SCOL_VERSION,
	SCOL_FORMAT,
	SCOL_PROCEDURE_PREMISES_ID,
	SCOL_PROCEDURE_PREMISES_CODE,
	SCOL_PROCEDURE_DATE,
	SCOL_PROCEDURE_TYPE,
	SCOL_PROCEDURE_TYPE_RAW,
	SCOL_SETTING,
	SCOL_SETTING_REPORTED,
	SCOL_SETTING_RAW,
	SCOL_PRACTITIONER_ROLE,
	SCOL_PRACTITIONER_ROLE_RAW,
	SCOL_MEDICALLY_TRAINED,
	SCOL_DEVICE,
	SCOL_DEVICE_RAW,
	SCOL_NEEDLE_DEPTH_MM,
	SCOL_AREAS,
	SCOL_PRODUCTS,
	SCOL_STERILE_SINGLE_USE_CARTRIDGE,
	SCOL_ANTIVIRAL_PROPHYLAXIS,
	SCOL_AGE_BAND,
	SCOL_SEX,
	SCOL_FITZPATRICK,
	SCOL_HISTORY,
	SCOL_PATIENT_PSEUDONYM,
	SCOL_POSTCODE_DISTRICT,
	SCOL_POSTCODE_AREA,
	SCOL_REGION,
	SCOL_REPORTER_ROLE,
	SCOL_NEEDS_REVIEW,
	SCOL_BODY,
	SCOL_BODY_SHA256,
	SCOL_NORMALISED,
	SCOL_WARNINGS,
	SCOL_COMPLICATIONS,
	STORED_NCOLUMNS
};

/* The column names, indexed by enum stored_column ("complications" last). */
extern const char *const stored_column_names[STORED_NCOLUMNS];

/* True for a column the report's body determines, which re-deriving the
 * report (`needlewatchctl renormalise`) may change; false for what is kept
 * as it was stored: who sent which version (premises, account, client_ref,
 * version, format), the place decided when it arrived, the procedure date,
 * the patient pseudonym, the verbatim body and its hash, and
 * SCOL_COMPLICATIONS, which is not a column of reports. */
bool stored_column_rederived(enum stored_column c);

/* One report as stored: every value in the arena given to stored_report_row. */
struct stored_row {
	const char *v[STORED_NCOLUMNS];
};

/* The row of r, sent from origin o, done at place p, whose stored verbatim
 * body is body and whose warnings are w. normalised is report_to_json's
 * document with procedure.place added; warnings all of w but those about
 * members left out of the stored body (so re-deriving the report from its
 * body gives the same list). The row points into r, p and body as well as
 * into a: they must outlive it. Returns 0, -ENOMEM or -EIO (hashing). */
int stored_report_row(struct stored_row *ret, struct arena *a, const struct report *r,
		      const struct stored_origin *o, const struct stored_place *p, const char *body,
		      const struct issues *w);

/* The normalised report with procedure.place, as stored (JSON text in a). */
const char *stored_report_normalised(struct arena *a, const struct report *r,
				     const struct stored_place *p);

/* The warnings list as stored (JSON text in a): see stored_report_row. */
const char *stored_report_warnings(struct arena *a, const struct issues *w);

/* The complications as the rows of report_complications: a JSON array
 * whose members' keys are STORED_COMPLICATION_RECORD's columns (text in a). */
const char *stored_report_complications(struct arena *a, const struct report *r);

/* How SQL turns stored_report_complications' text into report_complications
 * rows: INSERT INTO needlewatch.report_complications STORED_COMPLICATION_TARGET
 * SELECT <premises_id>, <report_id>, STORED_COMPLICATION_VALUES
 * FROM jsonb_to_recordset(<text>::jsonb) AS STORED_COMPLICATION_RECORD. */
#define STORED_COMPLICATION_TARGET                                                                 \
	" (premises_id, report_id, idx, type, type_raw, complication_group, onset_days,"           \
	"  duration_days, severity, severity_raw, serious, outcome, outcome_raw, treatment,"       \
	"  needs_review)"
#define STORED_COMPLICATION_VALUES                                                                 \
	" x.idx, x.type, x.type_raw, x.grp, x.onset_days, x.duration_days, x.severity,"            \
	"  x.severity_raw, x.serious, x.outcome, x.outcome_raw, coalesce(x.treatment, "            \
	"'[]'::jsonb),"                                                                            \
	"  x.needs_review"
#define STORED_COMPLICATION_RECORD                                                                 \
	" x(idx smallint, type text, type_raw text, grp text, onset_days integer,"                 \
	"  duration_days integer, severity text, severity_raw text, serious boolean, outcome "     \
	"text,"                                                                                    \
	"  outcome_raw text, treatment jsonb, needs_review boolean)"

#endif
