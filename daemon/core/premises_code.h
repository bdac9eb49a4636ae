/* Premises codes: what a reporter types into procedure.premises_code.
 *
 * A generated code is eight random characters and one check character over
 * a 32-letter alphabet without the look-alikes 0, O, 1 and I, written
 * "XXXX-XXXXC" (upper case; a hyphen after the fourth). The check character
 * is Luhn mod 32: it catches every single mistyped character and every swap
 * of two neighbours except the pair '2'/'Z' (code points 0 and 31), so a
 * typo is told apart from a place nobody registered. Codes from before
 * (sequential "P000002", or chosen with --code) are not of this shape and
 * are only looked up.
 *
 * Pure: the caller supplies the random bytes. */
#ifndef NW_PREMISES_CODE_H
#define NW_PREMISES_CODE_H

#include <stddef.h>
#include <stdint.h>

/* Random characters in a generated code (5 bits each: 40 bits). */
#define PREMISES_CODE_RANDOM 8
/* Its text length, without the NUL: 8 + hyphen + check character. */
#define PREMISES_CODE_LEN 10
#define PREMISES_CODE_ALPHABET "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

enum premises_code_kind {
	PREMISES_CODE_OTHER,	/* not the generated shape: legacy or chosen, looked up as is */
	PREMISES_CODE_VALID,	/* the generated shape, and its check character agrees */
	PREMISES_CODE_MISTYPED, /* the generated shape, but a look-alike or a wrong check */
};

/* The Luhn mod 32 check character of the n alphabet characters in s (upper
 * case), or '\0' when one of them is not in the alphabet. */
char premises_code_check_char(const char *s, size_t n);

/* A generated code from PREMISES_CODE_RANDOM random bytes (each used modulo
 * 32, which 256 divides, so every character is equally likely) into
 * out[PREMISES_CODE_LEN + 1]. */
void premises_code_format(const uint8_t random[PREMISES_CODE_RANDOM],
			  char out[PREMISES_CODE_LEN + 1]);

/* Which kind code is (see the enum). The shape is four characters, a
 * hyphen, five characters, all letters or digits, either case. For a VALID
 * code its upper-case form, the one stored, goes to canonical (which may be
 * NULL); nothing is written otherwise. */
enum premises_code_kind premises_code_classify(const char *code,
					       char canonical[PREMISES_CODE_LEN + 1]);

#endif
