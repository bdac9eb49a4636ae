/* Unit tests for daemon/core/premises_code.c. The expected check characters
 * were computed with an independent Luhn mod N implementation (Python, from
 * the algorithm's published description), not with this code. */
#include "helpers.h"

#include "premises_code.h"

static const char *const ALPHA = PREMISES_CODE_ALPHABET;

static void test_check_char_matches_independent_oracle(void **state)
{
	(void)state;
	assert_int_equal(premises_code_check_char("ABCDEFGH", 8), 'N');
	assert_int_equal(premises_code_check_char("22222222", 8), '2');
	assert_int_equal(premises_code_check_char("ZZZZZZZZ", 8), 'A');
	assert_int_equal(premises_code_check_char("K7QMR4XZ", 8), 'K');
}

static void test_check_char_refuses_characters_outside_the_alphabet(void **state)
{
	(void)state;
	assert_int_equal(premises_code_check_char("ABCD0FGH", 8), '\0');
	assert_int_equal(premises_code_check_char("abcdefgh", 8), '\0');
	assert_int_equal(premises_code_check_char("ABCDEFGI", 8), '\0');
}

static void test_alphabet_has_32_characters_without_look_alikes(void **state)
{
	(void)state;
	assert_int_equal(strlen(ALPHA), 32);
	assert_null(strpbrk(ALPHA, "01OI"));
	for (size_t i = 0; i < 32; i++)
		assert_ptr_equal(strchr(ALPHA, ALPHA[i]), ALPHA + i);
}

static void test_format_uses_each_byte_modulo_32(void **state)
{
	static const uint8_t bytes[PREMISES_CODE_RANDOM] = {0, 1, 2, 3, 31, 32, 200, 255};
	char code[PREMISES_CODE_LEN + 1];
	(void)state;
	premises_code_format(bytes, code);
	assert_string_equal(code, "2345-Z2AZJ");
	assert_int_equal(premises_code_classify(code, NULL), PREMISES_CODE_VALID);
}

static void test_formatted_codes_are_well_formed_and_valid(void **state)
{
	uint8_t bytes[PREMISES_CODE_RANDOM];
	char code[PREMISES_CODE_LEN + 1], canon[PREMISES_CODE_LEN + 1];
	(void)state;
	for (unsigned seed = 0; seed < 2000; seed++) {
		for (size_t i = 0; i < sizeof(bytes); i++)
			bytes[i] = (uint8_t)((seed * 2654435761u) >> (i * 3));
		premises_code_format(bytes, code);
		assert_int_equal(strlen(code), PREMISES_CODE_LEN);
		assert_int_equal(code[4], '-');
		assert_int_equal(strspn(code, ALPHA) + strspn(code + 5, ALPHA), 4 + 5);
		assert_int_equal(premises_code_classify(code, canon), PREMISES_CODE_VALID);
		assert_string_equal(canon, code);
	}
}

/* Every code one wrong character away from a valid one is caught. */
static void test_every_single_substitution_is_mistyped(void **state)
{
	const char *valid = "K7QM-R4XZK";
	char typo[PREMISES_CODE_LEN + 1];
	(void)state;
	assert_int_equal(premises_code_classify(valid, NULL), PREMISES_CODE_VALID);
	for (size_t pos = 0; pos < PREMISES_CODE_LEN; pos++) {
		if (pos == 4)
			continue;
		for (const char *c = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"; *c; c++) {
			if (*c == valid[pos])
				continue;
			memcpy(typo, valid, sizeof(typo));
			typo[pos] = *c;
			assert_int_equal(premises_code_classify(typo, NULL),
					 PREMISES_CODE_MISTYPED);
		}
	}
}

/* Neighbours swapped are caught, but for the one pair Luhn mod N cannot see. */
static void test_adjacent_swaps_are_mistyped_except_2_and_z(void **state)
{
	char payload[9], code[PREMISES_CODE_LEN + 1];
	size_t missed = 0, swaps = 0;
	(void)state;
	for (size_t a = 0; a < 32; a++) {
		for (size_t b = 0; b < 32; b++) {
			if (a == b)
				continue;
			/* "KQ" + pair + "MRXW", then its check, swapped at positions 2,3 */
			snprintf(payload, sizeof(payload), "KQ%c%cMRXW", ALPHA[a], ALPHA[b]);
			snprintf(code, sizeof(code), "KQ%c%c-MRXW%c", ALPHA[b], ALPHA[a],
				 premises_code_check_char(payload, 8));
			swaps++;
			if (premises_code_classify(code, NULL) != PREMISES_CODE_MISTYPED) {
				missed++;
				assert_true((ALPHA[a] == '2' && ALPHA[b] == 'Z') ||
					    (ALPHA[a] == 'Z' && ALPHA[b] == '2'));
			}
		}
	}
	assert_int_equal(swaps, 32 * 31);
	assert_int_equal(missed, 2);
}

static void test_look_alikes_are_mistyped(void **state)
{
	(void)state;
	assert_int_equal(premises_code_classify("K7QM-R4XZ0", NULL), PREMISES_CODE_MISTYPED);
	assert_int_equal(premises_code_classify("K7QO-R4XZK", NULL), PREMISES_CODE_MISTYPED);
	assert_int_equal(premises_code_classify("1234-5678A", NULL), PREMISES_CODE_MISTYPED);
	assert_int_equal(premises_code_classify("I7QM-R4XZK", NULL), PREMISES_CODE_MISTYPED);
}

static void test_lower_case_is_valid_and_canonicalised(void **state)
{
	char canon[PREMISES_CODE_LEN + 1] = "untouched";
	(void)state;
	assert_int_equal(premises_code_classify("k7qm-r4xzk", canon), PREMISES_CODE_VALID);
	assert_string_equal(canon, "K7QM-R4XZK");
	strcpy(canon, "untouched");
	assert_int_equal(premises_code_classify("k7qm-r4xza", canon), PREMISES_CODE_MISTYPED);
	assert_string_equal(canon, "untouched");
}

/* Sequential codes, codes chosen with --code, and anything else of another
 * shape are for the register to answer, not the check character. */
static void test_other_shapes_are_not_judged(void **state)
{
	static const char *const others[] = {
	    "P000002",	  "P000012",	"SUM-C1",     "K7QMR4XZK", "K7QM-R4XZ",	  "K7QM-R4XZKK",
	    "K7QMR-4XZK", "K7Q.-R4XZK", "K7QM_R4XZK", "",	   "Glow Beauty",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_int_equal(premises_code_classify(others[i], NULL), PREMISES_CODE_OTHER);
	assert_int_equal(premises_code_classify(NULL, NULL), PREMISES_CODE_OTHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_char_matches_independent_oracle),
	    cmocka_unit_test(test_check_char_refuses_characters_outside_the_alphabet),
	    cmocka_unit_test(test_alphabet_has_32_characters_without_look_alikes),
	    cmocka_unit_test(test_format_uses_each_byte_modulo_32),
	    cmocka_unit_test(test_formatted_codes_are_well_formed_and_valid),
	    cmocka_unit_test(test_every_single_substitution_is_mistyped),
	    cmocka_unit_test(test_adjacent_swaps_are_mistyped_except_2_and_z),
	    cmocka_unit_test(test_look_alikes_are_mistyped),
	    cmocka_unit_test(test_lower_case_is_valid_and_canonicalised),
	    cmocka_unit_test(test_other_shapes_are_not_judged),
	};
	return cmocka_run_group_tests_name("premises_code", tests, NULL, NULL);
}
