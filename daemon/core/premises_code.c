/* Premises codes: Luhn mod N over an alphabet without look-alikes.
 *
 * Luhn mod N (N = 32 here): from the rightmost payload character leftwards,
 * every other code point is doubled and its two "digits" in base N summed;
 * the check character makes the total a multiple of N. Doubling modulo N is
 * a bijection except that it folds 0 and N-1 onto the same value, which is
 * why the one transposition it misses is that pair. */
#include "premises_code.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define N 32
#define HYPHEN_AT 4

static int code_point(char c)
{
	const char *p = c ? strchr(PREMISES_CODE_ALPHABET, c) : NULL;
	return p ? (int)(p - PREMISES_CODE_ALPHABET) : -1;
}

/* The Luhn sum of s[0..n), as if a check character were to follow. */
static int luhn_sum(const char *s, size_t n, bool check_follows, int *ret_sum)
{
	int sum = 0, factor = check_follows ? 2 : 1;
	for (size_t i = n; i-- > 0;) {
		int cp = code_point(s[i]);
		if (cp < 0)
			return -1;
		int addend = factor * cp;
		sum += addend / N + addend % N;
		factor = factor == 2 ? 1 : 2;
	}
	*ret_sum = sum;
	return 0;
}

char premises_code_check_char(const char *s, size_t n)
{
	int sum;
	if (luhn_sum(s, n, /* check_follows= */ true, &sum) < 0)
		return '\0';
	return PREMISES_CODE_ALPHABET[(N - sum % N) % N];
}

void premises_code_format(const uint8_t random[PREMISES_CODE_RANDOM],
			  char out[PREMISES_CODE_LEN + 1])
{
	char payload[PREMISES_CODE_RANDOM];
	for (size_t i = 0; i < PREMISES_CODE_RANDOM; i++)
		payload[i] = PREMISES_CODE_ALPHABET[random[i] % N];
	memcpy(out, payload, HYPHEN_AT);
	out[HYPHEN_AT] = '-';
	memcpy(out + HYPHEN_AT + 1, payload + HYPHEN_AT, PREMISES_CODE_RANDOM - HYPHEN_AT);
	out[PREMISES_CODE_LEN - 1] = premises_code_check_char(payload, PREMISES_CODE_RANDOM);
	out[PREMISES_CODE_LEN] = '\0';
}

enum premises_code_kind premises_code_classify(const char *code,
					       char canonical[PREMISES_CODE_LEN + 1])
{
	char up[PREMISES_CODE_LEN + 1], chars[PREMISES_CODE_LEN];
	size_t n = 0;
	int sum;

	if (!code || strlen(code) != PREMISES_CODE_LEN || code[HYPHEN_AT] != '-')
		return PREMISES_CODE_OTHER;
	for (size_t i = 0; i < PREMISES_CODE_LEN; i++) {
		if (i == HYPHEN_AT) {
			up[i] = '-';
			continue;
		}
		if (!isalnum((unsigned char)code[i]))
			return PREMISES_CODE_OTHER;
		up[i] = (char)toupper((unsigned char)code[i]);
		chars[n++] = up[i];
	}
	up[PREMISES_CODE_LEN] = '\0';
	/* A look-alike (0, O, 1, I) is not in the alphabet: a typo too. */
	if (luhn_sum(chars, n, /* check_follows= */ false, &sum) < 0 || sum % N != 0)
		return PREMISES_CODE_MISTYPED;
	if (canonical)
		memcpy(canonical, up, sizeof(up));
	return PREMISES_CODE_VALID;
}
