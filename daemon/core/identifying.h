/* Identifying data: member names and free text that would identify a patient.
 *
 * The register promises to hold no names, dates of birth, NHS numbers,
 * e-mail addresses, phone numbers, addresses or full postcodes. Every input
 * format asks this module, so JSON members, CSV columns and FHIR text are
 * judged by one table and one scanner. Pure: no I/O, no allocation. */
#ifndef NW_IDENTIFYING_H
#define NW_IDENTIFYING_H

#include <stddef.h>

/* What free text was found to hold. */
enum identifying_kind {
	IDENTIFYING_NONE = 0,
	IDENTIFYING_NHS_NUMBER, /* 10 digits passing the modulus-11 check */
	IDENTIFYING_EMAIL,
	IDENTIFYING_PHONE,    /* a UK number: +44 or 0, then 9-10 digits */
	IDENTIFYING_POSTCODE, /* a full UK postcode, outward and inward code */
};

/* The kind of identifying data a member or column name means ("Patient
 * Name", "DateOfBirth", "nhs-no", "Address Line 2"), as a short phrase for
 * messages ("a name", "a date of birth"), or NULL when the name is not one.
 * Case, spaces, punctuation, a "patient"/"client" prefix and a trailing
 * number are ignored. "postcode_district" is not identifying. */
const char *identifying_name(const char *name);

/* The first identifier in text (UTF-8, NUL-terminated), IDENTIFYING_NONE if
 * none. Only the kind is returned: callers must never echo the value. */
enum identifying_kind identifying_scan(const char *text);

/* "an NHS number", "an e-mail address", "a phone number", "a full postcode". */
const char *identifying_kind_text(enum identifying_kind kind);

/* The modulus-11 check of a 10-digit NHS number given as digits. Exposed for
 * the tests. 1 valid, 0 not. */
int identifying_nhs_check(const char digits[10]);

#endif
