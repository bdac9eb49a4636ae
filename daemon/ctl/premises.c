/* needlewatchctl premises: register the places that report, and list them. */
#include "ctl_json.h"
#include "premises.h"
#include "codes.h"
#include "ctl_db.h"
#include "premises_code.h"
#include "region.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* premises.name's CHECK: 1 to 200 characters. */
#define NAME_MAX_CHARS 200

/* The code is generated here, not derived from the id: a sequential code
 * ("P000002") let anyone name every premises in turn. */
static const char *sql_insert_premises =
    "INSERT INTO needlewatch.premises "
    "(code, name, setting, postcode_district, postcode_area, region) "
    "VALUES ($1, $2, $3, $4, $5, $6) "
    "RETURNING id, code";

/* Attempts at a fresh random code when one is taken: with 2^40 codes, a
 * second collision in a row means something other than chance. */
#define CODE_ATTEMPTS 4

/* reporters: a reporter token belongs to its premises (accounts' CHECK). */
static const char *sql_list_premises = "SELECT p.id, p.code, p.setting, p.region, p.name, "
				       "(SELECT count(*) FROM needlewatch.accounts a "
				       " WHERE a.premises_id = p.id AND a.revoked_at IS NULL) "
				       "FROM needlewatch.premises p ORDER BY p.id";

struct premises_args {
	const char *name;
	const char *setting;
	const char *postcode;
	const char *code; /* NULL: generated (premises_code.h) */
	char district[8]; /* "LS6": the outward code of --postcode, upper-cased */
	char area[8];	  /* "LS" */
};

static void store_option(void *state, int c, const char *arg)
{
	struct premises_args *a = state;
	switch (c) {
	case 'n':
		a->name = arg;
		break;
	case 's':
		a->setting = arg;
		break;
	case 'p':
		a->postcode = arg;
		break;
	case 'k':
		a->code = arg;
		break;
	}
}

/* premises.code's CHECK: ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ */
static bool is_code(const char *s)
{
	size_t len = strlen(s);
	if (len < 1 || len > 64 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* Upper-cases the district and derives its postcode area. Of a full postcode
 * ("LS6 2AB") only the district is kept: that is all premises records. */
static int check_postcode(struct premises_args *a)
{
	const char *s = a->postcode + strspn(a->postcode, " \t");
	size_t len = strcspn(s, " \t");
	/* An outward code is 2 to 4 characters: A9 to AA9A. */
	if (len >= 2 && len <= 4) {
		for (size_t i = 0; i < len; i++)
			a->district[i] = (char)toupper((unsigned char)s[i]);
		a->district[len] = '\0';
		if (region_area_of(a->district, a->area, sizeof(a->area)))
			return 0;
	}
	return ctl_usage_error("premises add",
			       "--postcode '%s' is not a UK postcode district (like LS6 or E1W)",
			       a->postcode);
}

static int check_args(struct premises_args *a)
{
	char known[128];

	if (!a->name || !a->setting || !a->postcode)
		return ctl_usage_error("premises add",
				       "--name, --setting and --postcode are all needed");
	if (!ctl_valid_name(a->name, NAME_MAX_CHARS))
		return ctl_usage_error(
		    "premises add", "--name must be 1 to %d characters, without control characters",
		    NAME_MAX_CHARS);
	if (codes_rank(codes_settings, a->setting) < 0)
		return ctl_usage_error("premises add", "--setting '%s' is not one of %s",
				       a->setting,
				       codes_join(codes_settings, known, sizeof(known)));
	if (a->code && !is_code(a->code))
		return ctl_usage_error(
		    "premises add",
		    "--code '%s' must be 1 to 64 letters, digits, '.', '_' or '-', "
		    "starting with a letter or digit",
		    a->code);
	/* Reports naming it would be refused as mistyped. */
	if (a->code && premises_code_classify(a->code, NULL) == PREMISES_CODE_MISTYPED)
		return ctl_usage_error("premises add",
				       "--code '%s' has the shape of a generated code (XXXX-XXXXC) "
				       "but its check character does not agree; leave --code out "
				       "to have one generated",
				       a->code);
	return check_postcode(a);
}

/* The region of an area into buf, or NULL with a warning: a premises without
 * a region is still worth registering, it only drops out of regional tables. */
static const char *lookup_region(const struct ctl *ctl, const char *area, char *buf, size_t buflen)
{
	char err[256];
	const char *file = ctl->cfg.postcode_regions_file;
	struct region_table *t = file ? region_load(file, err, sizeof(err)) : NULL;
	if (!t) {
		fprintf(stderr,
			"%s: premises add: warning: cannot load postcode regions (%s); "
			"region left empty\n",
			CTL_PROGRAM, file ? err : "postcode_regions_file is not set");
		return NULL;
	}
	const char *region = region_lookup(t, area);
	if (region)
		snprintf(buf, buflen, "%s", region);
	else
		fprintf(stderr,
			"%s: premises add: warning: postcode area %s is not in %s; "
			"region left empty\n",
			CTL_PROGRAM, area, file);
	region_free(t);
	return region ? buf : NULL;
}

static int audit_premises_add(struct ctl *ctl, const char *id, const char *code,
			      const char *setting)
{
	cJSON *detail = cJSON_CreateObject();
	if (!detail || !cJSON_AddNumberToObject(detail, "id", strtod(id, NULL)) ||
	    !cJSON_AddStringToObject(detail, "code", code) ||
	    !cJSON_AddStringToObject(detail, "setting", setting)) {
		cJSON_Delete(detail);
		snprintf(ctl->err, sizeof(ctl->err), "out of memory");
		return EX_SOFTWARE;
	}
	int rc = ctl_db_audit(ctl, "premises_add", detail);
	cJSON_Delete(detail);
	return rc;
}

static int report_insert_failure(const struct ctl *ctl, const struct premises_args *a, int rc)
{
	if (strcmp(ctl->sqlstate, "23505") != 0)
		return ctl_fail(rc, "premises add: %s", ctl->err);
	if (a->code)
		return ctl_fail(rc, "premises add: code %s is already taken", a->code);
	return ctl_fail(rc, "premises add: %d generated codes in a row were already taken",
			CODE_ATTEMPTS);
}

/* A fresh generated code from the kernel's random source into out. */
static int generate_code(char out[PREMISES_CODE_LEN + 1])
{
	uint8_t bytes[PREMISES_CODE_RANDOM];
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return -errno;
	premises_code_format(bytes, out);
	return 0;
}

/* One attempt: the premises and its audit row in one transaction, then
 * printed. Prints no error: the reason is in ctl->err and ctl->sqlstate. */
static int insert_once(struct ctl *ctl, const struct premises_args *a, const char *code_in,
		       const char *region)
{
	const char *params[] = {code_in, a->name, a->setting, a->district, a->area, region};
	PGresult *res = NULL;
	int rc = ctl_db_begin(ctl);
	if (!rc)
		rc = ctl_db_exec(ctl, sql_insert_premises, 6, params, &res);
	if (rc) {
		ctl_db_rollback(ctl);
		return rc;
	}
	const char *id = PQgetvalue(res, 0, 0);
	const char *code = PQgetvalue(res, 0, 1);
	rc = audit_premises_add(ctl, id, code, a->setting);
	if (!rc)
		rc = ctl_db_commit(ctl);
	if (rc)
		ctl_db_rollback(ctl);
	else
		printf("premises %s added, code %s\n%s\n", a->name, code, id);
	PQclear(res);
	return rc;
}

/* Inserts with the chosen code, or with generated ones until one is free. */
static int premises_insert(struct ctl *ctl, const struct premises_args *a, const char *region)
{
	char code[PREMISES_CODE_LEN + 1];
	int rc = 0;

	for (int attempt = 0; attempt < (a->code ? 1 : CODE_ATTEMPTS); attempt++) {
		if (!a->code && generate_code(code) < 0)
			return ctl_fail(EX_SOFTWARE, "premises add: no random bytes: %s",
					strerror(errno));
		rc = insert_once(ctl, a, a->code ? a->code : code, region);
		if (!rc || strcmp(ctl->sqlstate, "23505") != 0)
			break;
	}
	return rc ? report_insert_failure(ctl, a, rc) : 0;
}

static int premises_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"setting", required_argument, NULL, 's'},
	    {"postcode", required_argument, NULL, 'p'},
	    {"code", required_argument, NULL, 'k'},
	    CTL_OPTION_HELP,
	    CTL_OPTION_END,
	};
	struct premises_args a = {0};
	char region_buf[128];
	int first_arg = 0;
	int rc = ctl_parse_options("premises add", argc, argv, opts, store_option, &a, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("premises add", "unexpected argument '%s'", argv[first_arg]);
	rc = check_args(&a);
	if (rc)
		return rc;
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	const char *region = lookup_region(ctl, a.area, region_buf, sizeof(region_buf));
	return premises_insert(ctl, &a, region);
}

static void store_json(void *state, int c, const char *arg)
{
	(void)arg;
	if (c == 'j')
		*(bool *)state = true;
}

static int premises_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, CTL_OPTION_HELP, CTL_OPTION_END};
	static const char *const headers[] = {"id",	"code", "setting",
					      "region", "name", "reporters"};
	PGresult *res = NULL;
	bool json = false;
	int first_arg = 0;
	int rc = ctl_parse_options("premises list", argc, argv, opts, store_json, &json, &first_arg);
	if (rc != CTL_CONTINUE)
		return rc;
	if (first_arg < argc)
		return ctl_usage_error("premises list", "unexpected argument '%s'",
				       argv[first_arg]);
	rc = ctl_open(ctl);
	if (rc)
		return rc;
	rc = ctl_db_exec(ctl, sql_list_premises, 0, NULL, &res);
	if (rc)
		return ctl_fail(rc, "premises list: %s", ctl->err);
	if ((json ? ctl_print_json(res, headers, stdout) : ctl_print_table(res, headers, stdout)) < 0)
		rc = ctl_fail(EX_SOFTWARE, "premises list: out of memory");
	PQclear(res);
	return rc;
}

int premises_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct ctl_command cmds[] = {
	    {"add", premises_add},
	    {"list", premises_list},
	    {NULL, NULL},
	};
	return ctl_dispatch(ctl, "premises", cmds, argc - 1, argv + 1);
}
