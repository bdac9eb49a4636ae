/* Unit tests for daemon/core/vocab.c, against the real config/vocabulary.json. */
#include <cJSON.h>

#include "helpers.h"

#include "codes.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct mapping {
	enum vocab_field field;
	const char *raw;
	const char *code;
};

static const char *const field_label[] = {
    "setting", "practitioner_role", "complication", "severity", "outcome",
    "device",  "procedure_type",    "sex",
};

/* Checks every row and reports all mismatches before failing, so one run
 * shows every broken mapping rather than the first. */
static void expect_mappings(const struct vocab *v, const struct mapping *m, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *got = vocab_lookup(v, m[i].field, m[i].raw);
		if (got && strcmp(got, m[i].code) == 0)
			continue;
		print_error("%s: \"%s\" -> %s, want %s\n", field_label[m[i].field], m[i].raw,
			    got ? got : "NULL", m[i].code);
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* The shipped tables, with the vocabulary as every test's state. */
static int group_setup(void **state)
{
	int rc = th_tables_setup(state);

	*state = shipped.vocab;
	return rc;
}

/* ---- docs/report-format.md ---- */

static void test_design_examples_map_to_their_codes(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_SETTING, "GP surgery", "medical_clinic"},
	    {VOCAB_SETTING, "CQC registered clinic", "medical_clinic"},
	    {VOCAB_SETTING, "beauty salon", "salon"},
	    {VOCAB_SETTING, "spa", "salon"},
	    {VOCAB_SETTING, "DIY dermaroller", "home"},
	    {VOCAB_SETTING, "at home", "home"},
	    {VOCAB_PRACTITIONER_ROLE, "NMP", "nurse"},
	    {VOCAB_PRACTITIONER_ROLE, "aesthetic nurse", "nurse"},
	    {VOCAB_PRACTITIONER_ROLE, "beauty therapist", "aesthetician"},
	    {VOCAB_PRACTITIONER_ROLE, "self-administered", "self"},
	    {VOCAB_COMPLICATION, "cold sores", "infection_viral_hsv"},
	    {VOCAB_COMPLICATION, "HSV reactivation", "infection_viral_hsv"},
	    {VOCAB_COMPLICATION, "PIH", "pih"},
	    {VOCAB_COMPLICATION, "dark patches", "pih"},
	    {VOCAB_COMPLICATION, "keloid", "scarring_keloid"},
	    {VOCAB_COMPLICATION, "granulomatous reaction", "granuloma"},
	    {VOCAB_COMPLICATION, "persistent redness", "prolonged_erythema"},
	    {VOCAB_COMPLICATION, "breakout", "acne_flare"},
	    {VOCAB_COMPLICATION, "tingling / numbness", "nerve_irritation"},
	    {VOCAB_SEVERITY, "grade 2", "moderate"},
	    {VOCAB_SEVERITY, "Moderate", "moderate"},
	    /* E2B(R3) reaction outcome, as the guideline words it. */
	    {VOCAB_OUTCOME, "recovered/resolved", "resolved"},
	    {VOCAB_OUTCOME, "recovering/resolving", "resolving"},
	    {VOCAB_OUTCOME, "not recovered/not resolved/ongoing", "not_resolved"},
	    {VOCAB_OUTCOME, "recovered/resolved with sequelae", "resolved_with_sequelae"},
	    {VOCAB_OUTCOME, "fatal", "fatal"},
	    {VOCAB_OUTCOME, "unknown", "unknown"},
	    /* The example report. */
	    {VOCAB_PROCEDURE_TYPE, "microneedling", "microneedling"},
	    {VOCAB_PRACTITIONER_ROLE, "aesthetician", "aesthetician"},
	    {VOCAB_DEVICE, "pen", "pen"},
	    {VOCAB_SEX, "female", "female"},
	    {VOCAB_SEVERITY, "moderate", "moderate"},
	    {VOCAB_OUTCOME, "resolved", "resolved"},
	};
	expect_mappings(*state, m, N(m));
}

static void test_e2b_outcome_digits_map(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_OUTCOME, "1", "resolved"},
	    {VOCAB_OUTCOME, "2", "resolving"},
	    {VOCAB_OUTCOME, "3", "not_resolved"},
	    {VOCAB_OUTCOME, "4", "resolved_with_sequelae"},
	    {VOCAB_OUTCOME, "5", "fatal"},
	    {VOCAB_OUTCOME, "0", "unknown"},
	    {VOCAB_OUTCOME, "Recovered / Resolved", "resolved"},
	    {VOCAB_OUTCOME, "Not recovered/not resolved", "not_resolved"},
	    {VOCAB_OUTCOME, "ongoing", "not_resolved"},
	    {VOCAB_OUTCOME, "scarring remained", "resolved_with_sequelae"},
	    {VOCAB_OUTCOME, "lost to follow up", "unknown"},
	    {VOCAB_OUTCOME, "died", "fatal"},
	};
	expect_mappings(*state, m, N(m));
}

/* The codes FHIR R4 sends (AdverseEvent.severity, .outcome, Patient.gender),
 * as code and as display: the FHIR mapping hands them over verbatim. */
static void test_fhir_r4_codes_map(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_SEVERITY, "mild", "mild"},
	    {VOCAB_SEVERITY, "Moderate", "moderate"},
	    {VOCAB_SEVERITY, "severe", "severe"},
	    {VOCAB_OUTCOME, "resolved", "resolved"},
	    {VOCAB_OUTCOME, "recovering", "resolving"},
	    {VOCAB_OUTCOME, "Recovering", "resolving"},
	    {VOCAB_OUTCOME, "ongoing", "not_resolved"},
	    {VOCAB_OUTCOME, "resolvedWithSequelae", "resolved_with_sequelae"},
	    {VOCAB_OUTCOME, "Resolved with Sequelae", "resolved_with_sequelae"},
	    {VOCAB_OUTCOME, "fatal", "fatal"},
	    {VOCAB_OUTCOME, "unknown", "unknown"},
	    {VOCAB_SEX, "male", "male"},
	    {VOCAB_SEX, "female", "female"},
	    {VOCAB_SEX, "other", "other"},
	    {VOCAB_SEX, "unknown", "unknown"},
	    {VOCAB_COMPLICATION, "Herpes labialis", "infection_viral_hsv"},
	};
	expect_mappings(*state, m, N(m));
}

/* Every canonical value docs/report-format.md names, per field. */
static const struct mapping design_codes[] = {
    {VOCAB_SETTING, "medical_clinic", NULL},
    {VOCAB_SETTING, "salon", NULL},
    {VOCAB_SETTING, "home", NULL},
    {VOCAB_SETTING, "mobile", NULL},
    {VOCAB_SETTING, "unknown", NULL},
    {VOCAB_PRACTITIONER_ROLE, "doctor", NULL},
    {VOCAB_PRACTITIONER_ROLE, "nurse", NULL},
    {VOCAB_PRACTITIONER_ROLE, "dentist", NULL},
    {VOCAB_PRACTITIONER_ROLE, "pharmacist", NULL},
    {VOCAB_PRACTITIONER_ROLE, "other_healthcare", NULL},
    {VOCAB_PRACTITIONER_ROLE, "aesthetician", NULL},
    {VOCAB_PRACTITIONER_ROLE, "self", NULL},
    {VOCAB_PRACTITIONER_ROLE, "unknown", NULL},
    {VOCAB_COMPLICATION, "infection_bacterial", "infection"},
    {VOCAB_COMPLICATION, "infection_mycobacterial", "infection"},
    {VOCAB_COMPLICATION, "infection_viral_hsv", "infection"},
    {VOCAB_COMPLICATION, "infection_unspecified", "infection"},
    {VOCAB_COMPLICATION, "pih", "pigmentation"},
    {VOCAB_COMPLICATION, "scarring_hypertrophic", "scarring"},
    {VOCAB_COMPLICATION, "scarring_keloid", "scarring"},
    {VOCAB_COMPLICATION, "scarring_atrophic", "scarring"},
    {VOCAB_COMPLICATION, "scarring_unspecified", "scarring"},
    {VOCAB_COMPLICATION, "granuloma", "granulomatous_allergic"},
    {VOCAB_COMPLICATION, "hypersensitivity", "granulomatous_allergic"},
    {VOCAB_COMPLICATION, "prolonged_erythema", "inflammatory"},
    {VOCAB_COMPLICATION, "acne_flare", "inflammatory"},
    {VOCAB_COMPLICATION, "nerve_irritation", "neurological"},
    {VOCAB_COMPLICATION, "expected_reaction", "expected"},
    {VOCAB_COMPLICATION, "other", "other"},
    {VOCAB_SEVERITY, "mild", NULL},
    {VOCAB_SEVERITY, "moderate", NULL},
    {VOCAB_SEVERITY, "severe", NULL},
    {VOCAB_SEVERITY, "life_threatening", NULL},
    {VOCAB_OUTCOME, "resolved", NULL},
    {VOCAB_OUTCOME, "resolving", NULL},
    {VOCAB_OUTCOME, "not_resolved", NULL},
    {VOCAB_OUTCOME, "resolved_with_sequelae", NULL},
    {VOCAB_OUTCOME, "fatal", NULL},
    {VOCAB_OUTCOME, "unknown", NULL},
    {VOCAB_DEVICE, "pen", NULL},
    {VOCAB_DEVICE, "roller", NULL},
    {VOCAB_DEVICE, "stamp", NULL},
    {VOCAB_DEVICE, "radiofrequency", NULL},
    {VOCAB_DEVICE, "other", NULL},
    {VOCAB_PROCEDURE_TYPE, "microneedling", NULL},
    {VOCAB_PROCEDURE_TYPE, "rf_microneedling", NULL},
    {VOCAB_PROCEDURE_TYPE, "microneedling_with_prp", NULL},
    {VOCAB_PROCEDURE_TYPE, "microneedling_with_serum", NULL},
    {VOCAB_PROCEDURE_TYPE, "other", NULL},
    {VOCAB_SEX, "female", NULL},
    {VOCAB_SEX, "male", NULL},
    {VOCAB_SEX, "other", NULL},
    {VOCAB_SEX, "unknown", NULL},
};

static void test_every_canonical_code_maps_to_itself(void **state)
{
	for (size_t i = 0; i < N(design_codes); i++) {
		const struct mapping *c = &design_codes[i];
		const char *got = vocab_lookup(*state, c->field, c->raw);
		if (!got || strcmp(got, c->raw) != 0)
			fail_msg("%s: %s -> %s", field_label[c->field], c->raw, got ? got : "NULL");
		assert_true(vocab_is_code(*state, c->field, c->raw));
	}
}

static void test_every_complication_code_is_in_its_design_group(void **state)
{
	for (size_t i = 0; i < N(design_codes); i++) {
		const struct mapping *c = &design_codes[i];
		if (c->field != VOCAB_COMPLICATION)
			continue;
		const char *group = vocab_complication_group(*state, c->raw);
		assert_non_null(group);
		assert_string_equal(group, c->code);
	}
	assert_null(vocab_complication_group(*state, "cold sores"));
	assert_null(vocab_complication_group(*state, "salon"));
	assert_null(vocab_complication_group(*state, NULL));
}

static void test_medically_trained_follows_role(void **state)
{
	static const struct {
		const char *role;
		int trained;
	} r[] = {
	    {"doctor", 1},
	    {"nurse", 1},
	    {"dentist", 1},
	    {"pharmacist", 1},
	    {"other_healthcare", 1},
	    {"aesthetician", 0},
	    {"self", 0},
	    {"unknown", -1},
	    {"beauty therapist", -1},
	    {"astronaut", -1},
	};
	for (size_t i = 0; i < N(r); i++)
		assert_int_equal(vocab_role_medically_trained(*state, r[i].role), r[i].trained);
	assert_int_equal(vocab_role_medically_trained(*state, NULL), -1);
	assert_int_equal(vocab_role_medically_trained(NULL, "doctor"), -1);
}

/* Every term in the file must come back as the code it is listed under:
 * catches a term silently swallowed by folding or shadowed by another. */
static void test_every_listed_term_maps_to_its_code(void **state)
{
	char *text = th_read_file(VOCAB_PATH, NULL);
	cJSON *root = cJSON_Parse(text);
	free(text);
	assert_non_null(root);
	size_t terms = 0;

	for (int fi = 0; fi < VOCAB_FIELD_COUNT; fi++) {
		const cJSON *sec = cJSON_GetObjectItemCaseSensitive(root, field_label[fi]);
		const cJSON *codes = cJSON_GetObjectItemCaseSensitive(sec, "codes");
		assert_non_null(codes);
		for (const cJSON *c = codes->child; c; c = c->next) {
			for (const cJSON *t = c->child; t; t = t->next, terms++) {
				const char *got =
				    vocab_lookup(*state, (enum vocab_field)fi, t->valuestring);
				if (!got || strcmp(got, c->string) != 0)
					fail_msg("%s: \"%s\" -> %s, listed under %s",
						 field_label[fi], t->valuestring,
						 got ? got : "NULL", c->string);
			}
		}
	}
	cJSON_Delete(root);
	/* "Dozens of synonyms per field": keep the vocabulary from shrinking unseen. */
	assert_true(terms > 800);
}

/* ---- matching ---- */

static void test_lookup_folds_case_punctuation_and_spacing(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_SETTING, "  BEAUTY-Salon ", "salon"},
	    {VOCAB_SETTING, "beauty_salon", "salon"},
	    {VOCAB_SETTING, "beauty\t\tsalon\n", "salon"},
	    {VOCAB_SETTING, "Beauty Salon.", "salon"},
	    {VOCAB_SETTING, "gp-surgery", "medical_clinic"},
	    {VOCAB_SETTING, "Doctor's Surgery", "medical_clinic"},
	    {VOCAB_SETTING, "N/K", "unknown"},
	    {VOCAB_SETTING, "n.k.", "unknown"},
	    {VOCAB_SETTING, "MEDICAL_CLINIC", "medical_clinic"},
	    {VOCAB_SETTING, "medical clinic", "medical_clinic"},
	    {VOCAB_COMPLICATION, "COLD SORES!!", "infection_viral_hsv"},
	    {VOCAB_COMPLICATION, "Tingling/Numbness", "nerve_irritation"},
	    {VOCAB_COMPLICATION, "tingling - numbness", "nerve_irritation"},
	    {VOCAB_COMPLICATION, "Post Inflammatory Hyper-pigmentation", "pih"},
	    {VOCAB_COMPLICATION, "(PIH)", "pih"},
	    {VOCAB_COMPLICATION, "infection-bacterial", "infection_bacterial"},
	    {VOCAB_SEVERITY, "Grade-2", "moderate"},
	    {VOCAB_SEVERITY, "LIFE THREATENING", "life_threatening"},
	    {VOCAB_SEX, "F", "female"},
	    {VOCAB_SEX, "M", "male"},
	    /* No-break hyphen U+2011 and no-break space U+00A0, as pasted from a letter. */
	    {VOCAB_COMPLICATION, "post\xe2\x80\x91inflammatory\xc2\xa0hyperpigmentation", "pih"},
	    /* En dash U+2013 and right single quote U+2019. */
	    {VOCAB_COMPLICATION, "tingling \xe2\x80\x93 numbness", "nerve_irritation"},
	    {VOCAB_SETTING, "doctor\xe2\x80\x99s surgery", "medical_clinic"},
	};
	expect_mappings(*state, m, N(m));
}

static void test_common_misspellings_map(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_COMPLICATION, "hyperpigmentaion", "pih"},
	    {VOCAB_COMPLICATION, "hyperpigmenation", "pih"},
	    {VOCAB_COMPLICATION, "post inflamatory hyperpigmentation", "pih"},
	    {VOCAB_COMPLICATION, "keliod", "scarring_keloid"},
	    {VOCAB_COMPLICATION, "erythmea", "prolonged_erythema"},
	    {VOCAB_COMPLICATION, "parasthesia", "nerve_irritation"},
	    {VOCAB_COMPLICATION, "hypertropic scarring", "scarring_hypertrophic"},
	    {VOCAB_COMPLICATION, "scaring", "scarring_unspecified"},
	    {VOCAB_COMPLICATION, "hypersensitivty", "hypersensitivity"},
	    {VOCAB_SEVERITY, "modrate", "moderate"},
	    {VOCAB_SEVERITY, "life threatning", "life_threatening"},
	    {VOCAB_OUTCOME, "resovled", "resolved"},
	    {VOCAB_DEVICE, "dermroller", "roller"},
	    {VOCAB_PROCEDURE_TYPE, "microneeding", "microneedling"},
	    {VOCAB_PROCEDURE_TYPE, "microneedeling", "microneedling"},
	};
	expect_mappings(*state, m, N(m));
}

static void test_british_and_american_spellings_both_map(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_COMPLICATION, "oedema", "expected_reaction"},
	    {VOCAB_COMPLICATION, "edema", "expected_reaction"},
	    {VOCAB_COMPLICATION, "discolouration", "pih"},
	    {VOCAB_COMPLICATION, "discoloration", "pih"},
	    {VOCAB_COMPLICATION, "erythaema", "prolonged_erythema"},
	    {VOCAB_COMPLICATION, "paraesthesia", "nerve_irritation"},
	    {VOCAB_COMPLICATION, "paresthesia", "nerve_irritation"},
	    {VOCAB_COMPLICATION, "localised infection", "infection_unspecified"},
	    {VOCAB_COMPLICATION, "localized infection", "infection_unspecified"},
	    {VOCAB_COMPLICATION, "angio-oedema", "hypersensitivity"},
	    {VOCAB_COMPLICATION, "angioedema", "hypersensitivity"},
	    {VOCAB_COMPLICATION, "sensitisation", "hypersensitivity"},
	    {VOCAB_COMPLICATION, "necrotising fasciitis", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "necrotizing fasciitis", "infection_bacterial"},
	    {VOCAB_SETTING, "beauty parlour", "salon"},
	    {VOCAB_SETTING, "health centre", "medical_clinic"},
	    {VOCAB_DEVICE, "motorised pen", "pen"},
	    {VOCAB_DEVICE, "motorized pen", "pen"},
	};
	expect_mappings(*state, m, N(m));
}

static void test_clinical_and_lay_complication_terms_map(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_COMPLICATION, "cellulitis", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "impetigo", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "pus", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "abscess", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "MRSA", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "S. aureus", "infection_bacterial"},
	    {VOCAB_COMPLICATION, "atypical mycobacteria", "infection_mycobacterial"},
	    {VOCAB_COMPLICATION, "NTM", "infection_mycobacterial"},
	    {VOCAB_COMPLICATION, "Mycobacterium chelonae", "infection_mycobacterial"},
	    {VOCAB_COMPLICATION, "M. abscessus", "infection_mycobacterial"},
	    {VOCAB_COMPLICATION, "herpes simplex", "infection_viral_hsv"},
	    {VOCAB_COMPLICATION, "HSV-1", "infection_viral_hsv"},
	    {VOCAB_COMPLICATION, "infection", "infection_unspecified"},
	    {VOCAB_COMPLICATION, "skin infection", "infection_unspecified"},
	    {VOCAB_COMPLICATION, "hyperpigmentation", "pih"},
	    {VOCAB_COMPLICATION, "post inflammatory hyperpigmentation", "pih"},
	    {VOCAB_COMPLICATION, "brown marks", "pih"},
	    {VOCAB_COMPLICATION, "staining", "pih"},
	    {VOCAB_COMPLICATION, "raised scar", "scarring_hypertrophic"},
	    {VOCAB_COMPLICATION, "pitted scars", "scarring_atrophic"},
	    {VOCAB_COMPLICATION, "tramlines", "scarring_unspecified"},
	    {VOCAB_COMPLICATION, "track marks", "scarring_unspecified"},
	    {VOCAB_COMPLICATION, "grid marks", "scarring_unspecified"},
	    {VOCAB_COMPLICATION, "foreign body granuloma", "granuloma"},
	    {VOCAB_COMPLICATION, "allergic reaction", "hypersensitivity"},
	    {VOCAB_COMPLICATION, "contact dermatitis", "hypersensitivity"},
	    {VOCAB_COMPLICATION, "urticaria", "hypersensitivity"},
	    {VOCAB_COMPLICATION, "prolonged erythema", "prolonged_erythema"},
	    {VOCAB_COMPLICATION, "post-inflammatory erythema", "prolonged_erythema"},
	    {VOCAB_COMPLICATION, "spots", "acne_flare"},
	    {VOCAB_COMPLICATION, "acne flare-up", "acne_flare"},
	    {VOCAB_COMPLICATION, "pins and needles", "nerve_irritation"},
	    {VOCAB_COMPLICATION, "pinpoint bleeding", "expected_reaction"},
	    {VOCAB_COMPLICATION, "transient redness", "expected_reaction"},
	    {VOCAB_COMPLICATION, "swelling", "expected_reaction"},
	    {VOCAB_COMPLICATION, "expected erythema", "expected_reaction"},
	    {VOCAB_COMPLICATION, "bruising", "expected_reaction"},
	    {VOCAB_COMPLICATION, "milia", "other"},
	};
	expect_mappings(*state, m, N(m));
}

static void test_other_fields_accept_uk_usage(void **state)
{
	static const struct mapping m[] = {
	    {VOCAB_SETTING, "home visit", "mobile"},
	    {VOCAB_SETTING, "mobile practitioner", "mobile"},
	    {VOCAB_SETTING, "home salon", "salon"},
	    {VOCAB_SETTING, "pharmacy", "medical_clinic"},
	    {VOCAB_SETTING, "dermatology clinic", "medical_clinic"},
	    {VOCAB_SETTING, "not known", "unknown"},
	    {VOCAB_PRACTITIONER_ROLE, "GMC registered doctor", "doctor"},
	    {VOCAB_PRACTITIONER_ROLE, "Dr", "doctor"},
	    {VOCAB_PRACTITIONER_ROLE, "RGN", "nurse"},
	    {VOCAB_PRACTITIONER_ROLE, "independent nurse prescriber", "nurse"},
	    {VOCAB_PRACTITIONER_ROLE, "GDC registered dentist", "dentist"},
	    {VOCAB_PRACTITIONER_ROLE, "pharmacist independent prescriber", "pharmacist"},
	    {VOCAB_PRACTITIONER_ROLE, "paramedic", "other_healthcare"},
	    {VOCAB_PRACTITIONER_ROLE, "beautician", "aesthetician"},
	    {VOCAB_PRACTITIONER_ROLE, "DIY", "self"},
	    {VOCAB_SEVERITY, "grade 1", "mild"},
	    {VOCAB_SEVERITY, "grade III", "severe"},
	    {VOCAB_SEVERITY, "grade 4", "life_threatening"},
	    {VOCAB_DEVICE, "dermapen", "pen"},
	    {VOCAB_DEVICE, "microneedling pen", "pen"},
	    {VOCAB_DEVICE, "derma roller", "roller"},
	    {VOCAB_DEVICE, "dermastamp", "stamp"},
	    {VOCAB_DEVICE, "RF microneedling", "radiofrequency"},
	    {VOCAB_DEVICE, "Morpheus8", "radiofrequency"},
	    {VOCAB_PROCEDURE_TYPE, "collagen induction therapy", "microneedling"},
	    {VOCAB_PROCEDURE_TYPE, "CIT", "microneedling"},
	    {VOCAB_PROCEDURE_TYPE, "skin needling", "microneedling"},
	    {VOCAB_PROCEDURE_TYPE, "radiofrequency microneedling", "rf_microneedling"},
	    {VOCAB_PROCEDURE_TYPE, "vampire facial", "microneedling_with_prp"},
	    {VOCAB_PROCEDURE_TYPE, "PRP microneedling", "microneedling_with_prp"},
	    {VOCAB_PROCEDURE_TYPE, "mesotherapy microneedling", "microneedling_with_serum"},
	    {VOCAB_PROCEDURE_TYPE, "BB glow", "microneedling_with_serum"},
	    {VOCAB_SEX, "woman", "female"},
	    {VOCAB_SEX, "1", "male"},
	    {VOCAB_SEX, "non-binary", "other"},
	    {VOCAB_SEX, "prefer not to say", "unknown"},
	};
	expect_mappings(*state, m, N(m));
}

static void test_unknown_terms_return_null(void **state)
{
	char huge[4096];

	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	/* Deliberately absent: used for medical and non-medical premises alike. */
	assert_null(vocab_lookup(*state, VOCAB_SETTING, "aesthetic clinic"));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, "banana"));
	assert_null(vocab_lookup(*state, VOCAB_COMPLICATION, "zombie bite"));
	assert_null(vocab_lookup(*state, VOCAB_COMPLICATION, "cold"));
	assert_null(vocab_lookup(*state, VOCAB_COMPLICATION, "cold sores x"));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, ""));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, "   "));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, "?!/-"));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, NULL));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, huge));
	assert_null(vocab_lookup(*state, VOCAB_FIELD_COUNT, "salon"));
	assert_null(vocab_lookup(*state, (enum vocab_field) - 1, "salon"));
	assert_null(vocab_lookup(NULL, VOCAB_SETTING, "salon"));
}

static void test_terms_belong_to_one_field(void **state)
{
	assert_null(vocab_lookup(*state, VOCAB_COMPLICATION, "pen"));
	assert_null(vocab_lookup(*state, VOCAB_COMPLICATION, "unknown"));
	assert_null(vocab_lookup(*state, VOCAB_SETTING, "cold sores"));
	assert_null(vocab_lookup(*state, VOCAB_SEVERITY, "resolved"));
	/* The same words may mean different codes in different fields. */
	assert_string_equal(vocab_lookup(*state, VOCAB_SETTING, "DIY"), "home");
	assert_string_equal(vocab_lookup(*state, VOCAB_PRACTITIONER_ROLE, "DIY"), "self");
	assert_string_equal(vocab_lookup(*state, VOCAB_COMPLICATION, "permanent scarring"),
			    "scarring_unspecified");
	assert_string_equal(vocab_lookup(*state, VOCAB_OUTCOME, "permanent scarring"),
			    "resolved_with_sequelae");
}

static void test_is_code_is_exact(void **state)
{
	assert_true(vocab_is_code(*state, VOCAB_SETTING, "salon"));
	assert_true(vocab_is_code(*state, VOCAB_COMPLICATION, "other"));
	assert_false(vocab_is_code(*state, VOCAB_SETTING, "Salon"));
	assert_false(vocab_is_code(*state, VOCAB_SETTING, "beauty salon"));
	assert_false(vocab_is_code(*state, VOCAB_SETTING, "other"));
	assert_false(vocab_is_code(*state, VOCAB_SETTING, NULL));
	assert_false(vocab_is_code(*state, VOCAB_FIELD_COUNT, "salon"));
	assert_false(vocab_is_code(NULL, VOCAB_SETTING, "salon"));
}

static void test_lookup_result_outlives_the_raw_text(void **state)
{
	char raw[] = "Beauty Salon";
	const char *code = vocab_lookup(*state, VOCAB_SETTING, raw);

	memset(raw, 'x', sizeof(raw) - 1);
	assert_string_equal(code, "salon");
}

/* ---- vocab_fold ---- */

static void expect_fold(const char *raw, const char *want)
{
	char buf[128];
	const char *got = vocab_fold(raw, buf, sizeof(buf));

	assert_non_null(got);
	assert_ptr_equal(got, buf);
	assert_string_equal(got, want);
}

static void test_fold_lowers_and_collapses_punctuation(void **state)
{
	(void)state;
	expect_fold("  Beauty-Salon ", "beauty salon");
	expect_fold("tingling / numbness", "tingling numbness");
	expect_fold("Recovered/Resolved", "recovered resolved");
	expect_fold("infection_viral_hsv", "infection viral hsv");
	expect_fold("a\t\n\r b", "a b");
	expect_fold("N/K", "n k");
	expect_fold("HSV-1", "hsv 1");
	expect_fold("1.5mm", "1 5mm");
	expect_fold("--x--", "x");
	expect_fold("", "");
	expect_fold(" ?! ", "");
}

static void test_fold_keeps_other_utf8_bytes(void **state)
{
	(void)state;
	/* Only ASCII letters change case; accented letters are kept byte for byte. */
	expect_fold("Caf\xc3\xa9 SPA", "caf\xc3\xa9 spa");
	expect_fold("\xc3\x89RYTH\xc3\x88ME", "\xc3\x89ryth\xc3\x88me");
	expect_fold("1500 \xc2\xb5m", "1500 \xc2\xb5m");
	/* Dashes, curly quotes and the no-break space fold like ASCII punctuation. */
	expect_fold("\xe2\x80\x9c"
		    "cold\xc2\xa0sores"
		    "\xe2\x80\x9d",
		    "cold sores");
	expect_fold("post\xe2\x80\x90inflammatory", "post inflammatory");
}

static void test_fold_refuses_what_does_not_fit(void **state)
{
	char buf[6];

	(void)state;
	assert_string_equal(vocab_fold("ab cd", buf, sizeof(buf)), "ab cd");
	assert_string_equal(vocab_fold("  AB -- CD  ", buf, sizeof(buf)), "ab cd");
	assert_null(vocab_fold("ab cde", buf, sizeof(buf)));
	assert_null(vocab_fold("abcdef", buf, sizeof(buf)));
	assert_null(vocab_fold("x", buf, 1));
	assert_string_equal(vocab_fold("", buf, 1), "");
	assert_null(vocab_fold("x", buf, 0));
	assert_null(vocab_fold(NULL, buf, sizeof(buf)));
	assert_null(vocab_fold("x", NULL, 8));
}

/* ---- loading errors, on small files written here ---- */

/* A minimal valid vocabulary with three slots: setting codes, complication
 * groups and medically_trained. */
static const char *const mini_fmt =
    "{\"version\": 1,\n"
    " \"setting\": {\"codes\": {%s}},\n"
    " \"practitioner_role\": {\"codes\": {\"doctor\": [\"GP\"], \"self\": []},\n"
    "                       \"medically_trained\": {%s}},\n"
    " \"complication\": {\"groups\": {%s},\n"
    "                  \"codes\": {\"pih\": [\"dark patches\", \"PIH\"], \"other\": []}},\n"
    " \"severity\": {\"codes\": {\"mild\": []}},\n"
    " \"outcome\": {\"codes\": {\"resolved\": []}},\n"
    " \"device\": {\"codes\": {\"pen\": []}},\n"
    " \"procedure_type\": {\"codes\": {\"microneedling\": []}},\n"
    " \"sex\": {\"codes\": {\"female\": [\"f\"]}}}\n";

static const char *const setting_ok = "\"medical_clinic\": [\"GP surgery\"], \"salon\": [\"spa\"]";
static const char *const trained_ok = "\"doctor\": true, \"self\": false";
static const char *const groups_ok = "\"pigmentation\": [\"pih\"], \"other\": [\"other\"]";

static void write_mini(struct th_tmpfile *t, const char *setting, const char *trained,
		       const char *groups)
{
	char text[2048];

	snprintf(text, sizeof(text), mini_fmt, setting, trained, groups);
	th_write_tmp(t, text);
}

/* Loading t must fail with exactly "PATH: " followed by want. */
static void expect_load_error(struct th_tmpfile *t, const char *want)
{
	char err[512], full[512];

	struct vocab *v = vocab_load(t->path, err, sizeof(err));
	unlink(t->path);
	vocab_free(v);
	assert_null(v);
	snprintf(full, sizeof(full), "%s: %s", t->path, want);
	assert_string_equal(err, full);
}

static void test_load_minimal_vocabulary(void **state)
{
	struct th_tmpfile t;
	char err[256] = "stale";

	(void)state;
	write_mini(&t, setting_ok, trained_ok, groups_ok);
	struct vocab *v = vocab_load(t.path, err, sizeof(err));
	unlink(t.path);
	assert_non_null(v);
	assert_string_equal(err, "");
	assert_string_equal(vocab_lookup(v, VOCAB_SETTING, "Spa"), "salon");
	assert_string_equal(vocab_lookup(v, VOCAB_COMPLICATION, "pih"), "pih");
	assert_string_equal(vocab_complication_group(v, "pih"), "pigmentation");
	assert_int_equal(vocab_role_medically_trained(v, "doctor"), 1);
	assert_null(vocab_lookup(v, VOCAB_SETTING, "hospital"));
	vocab_free(v);
	vocab_free(NULL);
}

static void test_load_rejects_missing_file(void **state)
{
	struct th_tmpfile t = {"/nonexistent/vocabulary.json"};

	(void)state;
	expect_load_error(&t, "cannot open: No such file or directory");
}

static void test_load_rejects_malformed_json(void **state)
{
	struct th_tmpfile t;

	(void)state;
	th_write_tmp(&t,
		     "{\"version\": 1,\n \"setting\": {\"codes\": {\"salon\": [\"spa\",,]}}}\n");
	expect_load_error(&t, "line 2: not valid JSON");
	th_write_tmp(&t, "");
	expect_load_error(&t, "line 1: not valid JSON");
	th_write_tmp(&t, "{\"version\": 1} trailing");
	expect_load_error(&t, "line 1: not valid JSON");
	th_write_tmp(&t, "[1, 2]");
	expect_load_error(&t, "the top level must be an object");
}

static void test_load_rejects_term_under_two_codes(void **state)
{
	struct th_tmpfile t;

	(void)state;
	write_mini(&t, "\"medical_clinic\": [\"Spa\"], \"salon\": [\"spa\"]", trained_ok,
		   groups_ok);
	expect_load_error(&t, "setting: term \"Spa\" maps to both medical_clinic and salon");
	/* Folding makes these the same term. */
	write_mini(&t, "\"medical_clinic\": [\"GP-surgery\"], \"salon\": [\"gp surgery\"]",
		   trained_ok, groups_ok);
	expect_load_error(&t, "setting: term \"GP-surgery\" maps to both medical_clinic and salon");
	/* A term that is another code's name. */
	write_mini(&t, "\"medical_clinic\": [\"Salon\"], \"salon\": []", trained_ok, groups_ok);
	expect_load_error(&t, "setting: term \"Salon\" maps to both medical_clinic and salon");
}

static void test_load_accepts_term_repeated_under_one_code(void **state)
{
	struct th_tmpfile t;
	char err[256];

	(void)state;
	write_mini(&t, "\"salon\": [\"spa\", \"SPA\", \"salon\"]", trained_ok, groups_ok);
	struct vocab *v = vocab_load(t.path, err, sizeof(err));
	unlink(t.path);
	assert_non_null(v);
	assert_string_equal(vocab_lookup(v, VOCAB_SETTING, "spa"), "salon");
	vocab_free(v);
}

static void test_load_rejects_bad_groups(void **state)
{
	struct th_tmpfile t;

	(void)state;
	write_mini(&t, setting_ok, trained_ok, "\"other\": [\"other\"]");
	expect_load_error(&t, "complication: code \"pih\" has no group");
	write_mini(&t, setting_ok, trained_ok,
		   "\"pigmentation\": [\"pih\"], \"other\": [\"other\", \"pih\"]");
	expect_load_error(&t, "complication: code \"pih\" is in groups \"pigmentation\" and "
			      "\"other\"");
	write_mini(&t, setting_ok, trained_ok, "\"pigmentation\": [\"pih\", \"PIH\"]");
	expect_load_error(&t, "complication: group \"pigmentation\" lists an unknown code");
	write_mini(&t, setting_ok, trained_ok, "\"pigmentation\": [\"pih\"], \"other\": []");
	expect_load_error(&t, "complication: group \"other\" must be a non-empty array of codes");
	write_mini(&t, setting_ok, trained_ok, "");
	expect_load_error(&t, "complication: \"groups\" must be a non-empty object");
}

static void test_load_rejects_bad_medically_trained(void **state)
{
	struct th_tmpfile t;

	(void)state;
	write_mini(&t, setting_ok, "\"doctor\": true", groups_ok);
	expect_load_error(&t, "practitioner_role: medically_trained of \"self\" is missing");
	write_mini(&t, setting_ok, "\"doctor\": true, \"self\": false, \"nurse\": true", groups_ok);
	expect_load_error(&t, "practitioner_role: medically_trained names unknown role "
			      "\"nurse\"");
	write_mini(&t, setting_ok, "\"doctor\": \"yes\", \"self\": false", groups_ok);
	expect_load_error(&t, "practitioner_role: medically_trained of \"doctor\" must be "
			      "true, false or null");
}

static void test_load_rejects_bad_structure(void **state)
{
	struct th_tmpfile t;

	(void)state;
	write_mini(&t, "\"salon\": [\"spa\"], \"salon\": [\"day spa\"]", trained_ok, groups_ok);
	expect_load_error(&t, "duplicate key \"salon\"");
	write_mini(&t, "\"Salon\": [\"spa\"]", trained_ok, groups_ok);
	expect_load_error(&t, "setting: code \"Salon\" must be lower case letters, digits and "
			      "'_'");
	write_mini(&t, "\"salon\": \"spa\"", trained_ok, groups_ok);
	expect_load_error(&t, "setting: code \"salon\" must be an array of terms");
	write_mini(&t, "\"salon\": [\"spa\", 7]", trained_ok, groups_ok);
	expect_load_error(&t, "setting: terms of salon must be strings");
	write_mini(&t, "\"salon\": [\"--\"]", trained_ok, groups_ok);
	expect_load_error(&t, "setting: term \"--\" of salon has no letters or digits");
	write_mini(&t, "", trained_ok, groups_ok);
	expect_load_error(&t, "setting: \"codes\" must be a non-empty object");
	th_write_tmp(&t, "{\"version\": 2}");
	expect_load_error(&t, "\"version\" must be 1");
	th_write_tmp(&t, "{\"version\": 1}");
	expect_load_error(&t, "section \"setting\" is missing or not an object");
	th_write_tmp(&t, "{\"version\": 1, \"settings\": {}}");
	expect_load_error(&t, "unknown section \"settings\"");
	th_write_tmp(&t,
		     "{\"version\": 1, \"setting\": {\"codes\": {\"salon\": []}, \"cods\": 1}}");
	expect_load_error(&t, "setting: unknown key \"cods\"");
	th_write_tmp(&t, "{\"version\": 1, \"description\": 1}");
	expect_load_error(&t, "\"description\" must be a string");
	th_write_tmp(
	    &t, "{\"version\": 1, \"setting\": {\"codes\": {\"salon\": []}, \"description\": []}}");
	expect_load_error(&t, "setting: \"description\" must be a string");
}

static void test_load_rejects_overlong_term(void **state)
{
	struct th_tmpfile t;
	char setting[512], want[256];

	(void)state;
	snprintf(setting, sizeof(setting), "\"salon\": [\"%0200d\"]", 0);
	write_mini(&t, setting, trained_ok, groups_ok);
	snprintf(want, sizeof(want), "setting: term \"%040d...\" is longer than 128 characters", 0);
	expect_load_error(&t, want);
}

/* ---- against the schema's closed lists (codes.h) ---- */

/* The mini vocabulary with its complication groups and codes replaced. */
static void write_mini_complications(struct th_tmpfile *t, const char *groups, const char *codes)
{
	char text[8192];
	const char *fmt = "{\"version\": 1,\n"
			  " \"setting\": {\"codes\": {\"salon\": []}},\n"
			  " \"practitioner_role\": {\"codes\": {\"doctor\": []},\n"
			  "                       \"medically_trained\": {\"doctor\": true}},\n"
			  " \"complication\": {\"groups\": {%s}, \"codes\": {%s}},\n"
			  " \"severity\": {\"codes\": {\"mild\": []}},\n"
			  " \"outcome\": {\"codes\": {\"resolved\": []}},\n"
			  " \"device\": {\"codes\": {\"pen\": []}},\n"
			  " \"procedure_type\": {\"codes\": {\"microneedling\": []}},\n"
			  " \"sex\": {\"codes\": {\"female\": []}}}\n";

	snprintf(text, sizeof(text), fmt, groups, codes);
	th_write_tmp(t, text);
}

static void test_load_refuses_a_setting_the_schema_does_not_accept(void **state)
{
	struct th_tmpfile t;

	(void)state;
	write_mini(&t, "\"salon\": [\"beauty salon\"], \"spa\": [\"day spa\"]", trained_ok,
		   groups_ok);
	expect_load_error(&t, "setting: code \"spa\" is not a setting the database accepts "
			      "(premises.setting allows medical_clinic, salon, home, mobile, "
			      "unknown)");
}

/* A subset of the schema's settings is fine: the schema still accepts every
 * code the vocabulary can produce. */
static void test_load_accepts_some_of_the_schema_settings(void **state)
{
	struct th_tmpfile t;
	char err[512];

	(void)state;
	write_mini(&t, "\"home\": [\"DIY\"]", trained_ok, groups_ok);
	struct vocab *v = vocab_load(t.path, err, sizeof(err));
	unlink(t.path);
	assert_non_null(v);
	assert_int_equal(vocab_code_count(v, VOCAB_SETTING), 1);
	vocab_free(v);
}

static void test_load_refuses_a_group_without_meaning(void **state)
{
	static const char *const want_fmt =
	    "complication: group \"%s\" has no meaning in the database "
	    "(summary.complication_groups has infection, pigmentation, scarring, "
	    "granulomatous_allergic, inflammatory, neurological, other; \"expected\" is for "
	    "expected reactions)";
	struct th_tmpfile t;
	char want[512];

	(void)state;
	write_mini(&t, setting_ok, trained_ok,
		   "\"pigmentation\": [\"pih\"], \"bruising\": [\"other\"]");
	snprintf(want, sizeof(want), want_fmt, "bruising");
	expect_load_error(&t, want);
	/* 'any' is a row of the table, but the aggregate of every group */
	write_mini(&t, setting_ok, trained_ok, "\"any\": [\"pih\", \"other\"]");
	snprintf(want, sizeof(want), want_fmt, "any");
	expect_load_error(&t, want);
}

static void test_load_refuses_expected_reaction_outside_expected(void **state)
{
	struct th_tmpfile t;

	(void)state;
	write_mini_complications(&t, "\"inflammatory\": [\"expected_reaction\"]",
				 "\"expected_reaction\": [\"swelling\"]");
	expect_load_error(&t, "complication: code \"expected_reaction\" must be in group "
			      "\"expected\", not \"inflammatory\"");
	write_mini_complications(&t, "\"inflammatory\": [\"prolonged_erythema\"]",
				 "\"prolonged_erythema\": [\"redness\"]");
	expect_load_error(&t, "complication: code \"prolonged_erythema\" needs code "
			      "\"expected_reaction\" (in group \"expected\") for redness gone "
			      "within 72 hours");
}

static void test_load_bounds_the_complication_codes(void **state)
{
	struct th_tmpfile t;
	char groups[4096] = "\"other\": [", codes[4096] = "";
	size_t g = strlen(groups), c = 0;

	(void)state;
	for (int i = 0; i <= VOCAB_COMPLICATION_MAX; i++) {
		g += (size_t)snprintf(groups + g, sizeof(groups) - g, "%s\"c%d\"", i ? "," : "", i);
		c += (size_t)snprintf(codes + c, sizeof(codes) - c, "%s\"c%d\": []", i ? "," : "",
				      i);
	}
	snprintf(groups + g, sizeof(groups) - g, "]");
	write_mini_complications(&t, groups, codes);
	expect_load_error(&t, "complication: 65 codes, at most 64");
}

/* The shipped file stays inside the schema's lists, and every group the
 * summaries publish has at least one type (else it would always be 0). */
static void test_shipped_vocabulary_matches_the_schema_lists(void **state)
{
	const struct vocab *v = *state;
	size_t n = vocab_code_count(v, VOCAB_COMPLICATION);

	for (size_t i = 0; i < vocab_code_count(v, VOCAB_SETTING); i++)
		assert_int_equal(codes_rank(codes_settings, vocab_code_at(v, VOCAB_SETTING, i)),
				 (int)i);
	assert_int_equal(vocab_code_count(v, VOCAB_SETTING), CODES_N_SETTINGS);
	for (size_t g = 0; codes_groups[g]; g++) {
		size_t types = 0;
		for (size_t i = 0; i < n; i++)
			types += strcmp(vocab_complication_group(
					    v, vocab_code_at(v, VOCAB_COMPLICATION, i)),
					codes_groups[g]) == 0;
		if (!types)
			fail_msg("group %s has no complication type", codes_groups[g]);
	}
	assert_string_equal(vocab_complication_group(v, CODES_TYPE_EXPECTED), CODES_GROUP_EXPECTED);
	/* listings keep the file's order, lookups are unaffected */
	assert_string_equal(vocab_code_at(v, VOCAB_COMPLICATION, 0), "infection_bacterial");
	assert_null(vocab_code_at(v, VOCAB_COMPLICATION, n));
	assert_string_equal(vocab_field_name(VOCAB_PRACTITIONER_ROLE), "practitioner_role");
	assert_null(vocab_field_name(VOCAB_FIELD_COUNT));
}

static void test_load_error_is_truncated_to_buffer(void **state)
{
	struct th_tmpfile t;
	char err[16];

	(void)state;
	th_write_tmp(&t, "{");
	memset(err, 'x', sizeof(err));
	assert_null(vocab_load(t.path, err, sizeof(err)));
	assert_null(vocab_load(t.path, NULL, 0));
	unlink(t.path);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, t.path, sizeof(err) - 1);
}

int main(void)
{
	/* One group: the runner counts the last summary line of each binary. The
	 * group state is the real vocabulary; loader tests write their own files. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_design_examples_map_to_their_codes),
	    cmocka_unit_test(test_e2b_outcome_digits_map),
	    cmocka_unit_test(test_fhir_r4_codes_map),
	    cmocka_unit_test(test_every_canonical_code_maps_to_itself),
	    cmocka_unit_test(test_every_complication_code_is_in_its_design_group),
	    cmocka_unit_test(test_medically_trained_follows_role),
	    cmocka_unit_test(test_every_listed_term_maps_to_its_code),
	    cmocka_unit_test(test_lookup_folds_case_punctuation_and_spacing),
	    cmocka_unit_test(test_common_misspellings_map),
	    cmocka_unit_test(test_british_and_american_spellings_both_map),
	    cmocka_unit_test(test_clinical_and_lay_complication_terms_map),
	    cmocka_unit_test(test_other_fields_accept_uk_usage),
	    cmocka_unit_test(test_unknown_terms_return_null),
	    cmocka_unit_test(test_terms_belong_to_one_field),
	    cmocka_unit_test(test_is_code_is_exact),
	    cmocka_unit_test(test_lookup_result_outlives_the_raw_text),
	    cmocka_unit_test(test_fold_lowers_and_collapses_punctuation),
	    cmocka_unit_test(test_fold_keeps_other_utf8_bytes),
	    cmocka_unit_test(test_fold_refuses_what_does_not_fit),
	    cmocka_unit_test(test_load_minimal_vocabulary),
	    cmocka_unit_test(test_load_rejects_missing_file),
	    cmocka_unit_test(test_load_rejects_malformed_json),
	    cmocka_unit_test(test_load_rejects_term_under_two_codes),
	    cmocka_unit_test(test_load_accepts_term_repeated_under_one_code),
	    cmocka_unit_test(test_load_rejects_bad_groups),
	    cmocka_unit_test(test_load_rejects_bad_medically_trained),
	    cmocka_unit_test(test_load_rejects_bad_structure),
	    cmocka_unit_test(test_load_rejects_overlong_term),
	    cmocka_unit_test(test_load_error_is_truncated_to_buffer),
	    cmocka_unit_test(test_load_refuses_a_setting_the_schema_does_not_accept),
	    cmocka_unit_test(test_load_accepts_some_of_the_schema_settings),
	    cmocka_unit_test(test_load_refuses_a_group_without_meaning),
	    cmocka_unit_test(test_load_refuses_expected_reaction_outside_expected),
	    cmocka_unit_test(test_load_bounds_the_complication_codes),
	    cmocka_unit_test(test_shipped_vocabulary_matches_the_schema_lists),
	};
	return cmocka_run_group_tests_name("vocab", tests, group_setup, th_tables_teardown);
}
