/* Identifying data: the name table and the free-text scanner (see identifying.h).
 *
 * Names are folded to lower-case letters and digits before they are looked
 * up, so "Date of Birth", "date_of_birth", "DateOfBirth" and "DATE-OF-BIRTH"
 * are one entry; a prefix that only says whose it is ("patient", "client",
 * "contact"...) and a trailing number ("address_line_2") are cut first.
 *
 * The scanner looks for shapes, not words: each finder tries to read its
 * identifier at a position where a token starts (no letter or digit just
 * before), and the text is walked once per finder. A shape must end at a
 * token boundary too, so a longer number or word that merely contains one
 * is not a match. The NHS number must pass its check digit, which keeps the
 * many 10-digit numbers of clinical text (batch and lot numbers) out. */
#include "identifying.h"

#include <stdbool.h>
#include <string.h>

#include "text.h"

#define FOLD_MAX 64 /* longer names are not names people give columns */

struct name_entry {
	const char *folded;
	const char *what;
};

static const char A_NAME[] = "a name";
static const char A_DOB[] = "a date of birth";
static const char A_NUMBER[] = "an NHS, CHI or other national number";
static const char AN_EMAIL[] = "an e-mail address";
static const char A_PHONE[] = "a phone number";
static const char AN_ADDRESS[] = "an address";
static const char A_POSTCODE[] = "a full postcode";

/* clang-format off */
static const struct name_entry NAMES[] = {
	{"name", A_NAME}, {"names", A_NAME}, {"fullname", A_NAME}, {"firstname", A_NAME},
	{"firstnames", A_NAME}, {"lastname", A_NAME}, {"givenname", A_NAME},
	{"givennames", A_NAME}, {"given", A_NAME}, {"family", A_NAME}, {"familyname", A_NAME},
	{"surname", A_NAME}, {"forename", A_NAME}, {"forenames", A_NAME},
	{"middlename", A_NAME}, {"middlenames", A_NAME}, {"maidenname", A_NAME},
	{"preferredname", A_NAME}, {"knownas", A_NAME}, {"nickname", A_NAME},
	{"dob", A_DOB}, {"dateofbirth", A_DOB}, {"birthdate", A_DOB}, {"birthday", A_DOB},
	{"dateofbirthday", A_DOB}, {"born", A_DOB}, {"borndate", A_DOB}, {"birthdatetime", A_DOB},
	{"nhs", A_NUMBER}, {"nhsno", A_NUMBER}, {"nhsnum", A_NUMBER}, {"nhsnumber", A_NUMBER},
	{"nhsid", A_NUMBER}, {"chi", A_NUMBER}, {"chino", A_NUMBER}, {"chinumber", A_NUMBER},
	{"hcn", A_NUMBER}, {"hcno", A_NUMBER}, {"hcnumber", A_NUMBER},
	{"healthandcarenumber", A_NUMBER}, {"nino", A_NUMBER}, {"ninumber", A_NUMBER},
	{"nationalinsurance", A_NUMBER}, {"nationalinsuranceno", A_NUMBER},
	{"nationalinsurancenumber", A_NUMBER},
	{"email", AN_EMAIL}, {"emails", AN_EMAIL}, {"emailaddress", AN_EMAIL},
	{"emailaddr", AN_EMAIL},
	{"phone", A_PHONE}, {"phoneno", A_PHONE}, {"phonenum", A_PHONE}, {"phonenumber", A_PHONE},
	{"telephone", A_PHONE}, {"telephoneno", A_PHONE}, {"telephonenumber", A_PHONE},
	{"tel", A_PHONE}, {"telno", A_PHONE}, {"telnumber", A_PHONE}, {"telecom", A_PHONE},
	{"mobile", A_PHONE}, {"mobileno", A_PHONE}, {"mobilenumber", A_PHONE},
	{"mobilephone", A_PHONE}, {"mob", A_PHONE}, {"cell", A_PHONE}, {"cellphone", A_PHONE},
	{"landline", A_PHONE}, {"homephone", A_PHONE}, {"workphone", A_PHONE},
	{"contactnumber", A_PHONE}, {"contactno", A_PHONE},
	{"address", AN_ADDRESS}, {"addresses", AN_ADDRESS}, {"addressline", AN_ADDRESS},
	{"homeaddress", AN_ADDRESS}, {"postaladdress", AN_ADDRESS},
	{"streetaddress", AN_ADDRESS}, {"street", AN_ADDRESS}, {"streetname", AN_ADDRESS},
	{"houseno", AN_ADDRESS}, {"housenumber", AN_ADDRESS}, {"housename", AN_ADDRESS},
	{"postcode", A_POSTCODE}, {"postalcode", A_POSTCODE}, {"zip", A_POSTCODE},
	{"zipcode", A_POSTCODE}, {"fullpostcode", A_POSTCODE}, {"postcodefull", A_POSTCODE},
};

/* Words that only say whose the field is: "Patient Name", "client_email". */
static const char *const OWNER_PREFIXES[] = {
	"patients", "patient", "clients", "client", "customers", "customer", "contact",
	"person", "primary", "main", NULL
};
/* clang-format on */

/* Lower-case ASCII letters and digits of name, nothing else; false when too long. */
static bool fold_name(const char *name, char *buf, size_t len)
{
	size_t n = 0;

	for (; *name; name++) {
		char c = *name;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!text_is_digit(c) && !(c >= 'a' && c <= 'z'))
			continue;
		if (n + 1 >= len)
			return false;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

static const char *lookup(const char *folded)
{
	for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
		if (strcmp(NAMES[i].folded, folded) == 0)
			return NAMES[i].what;
	return NULL;
}

/* folded with owner prefixes cut (while something is left after them). */
static const char *cut_prefixes(const char *s)
{
	for (bool cut = true; cut;) {
		cut = false;
		for (const char *const *p = OWNER_PREFIXES; *p; p++) {
			size_t n = strlen(*p);
			if (strncmp(s, *p, n) == 0 && s[n]) {
				s += n;
				cut = true;
				break;
			}
		}
	}
	return s;
}

const char *identifying_name(const char *name)
{
	char buf[FOLD_MAX];
	const char *what;

	if (!name || !fold_name(name, buf, sizeof(buf)) || !buf[0])
		return NULL;
	size_t n = strlen(buf);
	while (n > 1 && text_is_digit(buf[n - 1]))
		buf[--n] = '\0';
	if ((what = lookup(buf)))
		return what;
	return lookup(cut_prefixes(buf));
}

/* ---- free text ---------------------------------------------------------- */

static bool is_alnum(char c)
{
	return text_is_digit(c) || text_is_alpha(c);
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

int identifying_nhs_check(const char digits[10])
{
	int sum = 0;

	for (int i = 0; i < 9; i++)
		sum += (digits[i] - '0') * (10 - i);
	int check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return check != 10 && check == digits[9] - '0';
}

/* An NHS number at s: ten digits, or 3-3-4 with one space or hyphen between
 * the groups (the same one both times), then no further digit. */
static bool nhs_at(const char *s)
{
	char d[10], sep = 0;
	int n = 0;

	while (n < 10) {
		if (text_is_digit(*s)) {
			if (n == 6 && sep && s[-1] != sep)
				return false; /* "943 4765919": one group not separated */
			d[n++] = *s++;
		} else if (n == 3 && !sep && (*s == ' ' || *s == '-') && text_is_digit(s[1])) {
			sep = *s++;
		} else if (n == 6 && sep && *s == sep && text_is_digit(s[1])) {
			s++;
		} else {
			return false;
		}
	}
	return !text_is_digit(*s) && identifying_nhs_check(d);
}

static bool local_char(char c)
{
	return is_alnum(c) || (c && strchr("._%+-'", c));
}

/* An e-mail address around the '@' at at: a local part before it and a
 * domain of at least two labels after it, the last of 2+ letters. */
static bool email_at(const char *start, const char *at)
{
	const char *p = at + 1;
	int labels = 0;
	size_t tld = 0;

	if (at == start || !local_char(at[-1]))
		return false;
	for (;;) {
		const char *label = p;
		bool alpha = true;
		for (; is_alnum(*p) || *p == '-'; p++)
			alpha = alpha && text_is_alpha(*p);
		if (p == label)
			return false;
		labels++;
		tld = alpha ? (size_t)(p - label) : 0;
		if (*p != '.' || !is_alnum(p[1]))
			break;
		p++;
	}
	return labels >= 2 && tld >= 2;
}

/* The digits of a UK number after its prefix, read group by group (groups
 * split by one space or hyphen, or a bracket closing an area code): true as
 * soon as the groups so far make a number of 9 or 10 digits (the trunk 0
 * not counted) in which every group has at least 3 digits, but an
 * international number's first. So "02 11 2026", a date, is not one. */
static bool phone_groups(const char *s, int counted, bool international)
{
	int n = counted, group = 0, groups = 0;

	for (;; s++) {
		if (text_is_digit(*s)) {
			n++, group++;
			continue;
		}
		if (group < 3 && !(international && groups == 0))
			return false;
		groups++;
		if (n >= 9 && n <= 10)
			return true;
		if (n > 10)
			return false;
		if (*s == ')' && s[1] == ' ')
			s++;
		if (!(*s == ' ' || *s == '-' || *s == ')') || !text_is_digit(s[1]))
			return false;
		group = 0;
	}
}

/* A UK phone number at s: "0" then 9 or 10 more digits, or "+44" (also
 * "0044") with an optional "(0)" then 9 or 10 digits. */
static bool phone_at(const char *s)
{
	if (*s == '(' && s[1] == '0')
		s++;
	if (strncmp(s, "+44", 3) == 0 || strncmp(s, "0044", 4) == 0) {
		s += *s == '+' ? 3 : 4;
		while (*s == ' ')
			s++;
		if (strncmp(s, "(0)", 3) == 0)
			s += 3;
		while (*s == ' ')
			s++;
		return text_is_digit(*s) && *s != '0' && phone_groups(s, 0, true);
	}
	/* The trunk 0 belongs to the first group but is not counted. */
	return *s == '0' && text_is_digit(s[1]) && s[1] != '0' && phone_groups(s, -1, false);
}

static bool outward_letter(char c, bool second)
{
	c = upper(c);
	if (c < 'A' || c > 'Z')
		return false;
	return second ? !strchr("IJZ", c) : !strchr("QVX", c);
}

static bool inward_letter(char c)
{
	c = upper(c);
	return c >= 'A' && c <= 'Z' && !strchr("CIKMOV", c);
}

static bool inward_at(const char *p)
{
	return text_is_digit(p[0]) && inward_letter(p[1]) && inward_letter(p[2]) && !is_alnum(p[3]);
}

/* A full postcode at s: an outward code (A9, A99, AA9, AA99, A9A, AA9A), at
 * most one space, an inward code (9AA). Without the space "M11AA" splits
 * two ways: both are tried. */
static bool postcode_at(const char *s)
{
	size_t n;

	if (!outward_letter(s[0], false))
		return false;
	n = outward_letter(s[1], true) ? 2 : 1;
	if (!text_is_digit(s[n]))
		return false;
	n++;
	for (size_t k = n + (is_alnum(s[n]) ? 1 : 0); k >= n; k--) {
		const char *p = s + k;
		if (*p == ' ')
			p++;
		if (inward_at(p))
			return true;
	}
	return false;
}

enum identifying_kind identifying_scan(const char *text)
{
	if (!text)
		return IDENTIFYING_NONE;
	for (const char *p = text; *p; p++) {
		char before = p == text ? ' ' : p[-1];
		/* A number starts after anything but a digit or a decimal point;
		 * a postcode after anything but a letter or digit. */
		bool number_starts = !text_is_digit(before) && before != '.' && before != '+';
		if (*p == '@' && email_at(text, p))
			return IDENTIFYING_EMAIL;
		if (number_starts && text_is_digit(*p) && nhs_at(p))
			return IDENTIFYING_NHS_NUMBER;
		if (number_starts && strchr("0+(", *p) && *p && phone_at(p))
			return IDENTIFYING_PHONE;
		if (!is_alnum(before) && text_is_alpha(*p) && postcode_at(p))
			return IDENTIFYING_POSTCODE;
	}
	return IDENTIFYING_NONE;
}

const char *identifying_kind_text(enum identifying_kind kind)
{
	switch (kind) {
	case IDENTIFYING_NHS_NUMBER:
		return "an NHS number";
	case IDENTIFYING_EMAIL:
		return "an e-mail address";
	case IDENTIFYING_PHONE:
		return "a phone number";
	case IDENTIFYING_POSTCODE:
		return "a full postcode";
	default:
		return "nothing identifying";
	}
}
