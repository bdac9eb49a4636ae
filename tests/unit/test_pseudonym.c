/* Tests for daemon/core/pseudonym.c: key file rules, HMAC-SHA256 and SHA-256 against
 * values computed independently with openssl(1) and sha256sum(1). */
#include "helpers.h"

static char dir[64];
static char path[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_pseudonym.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	return rmdir(dir);
}

/* Writes bytes to DIR/key and returns its path. */
static const char *key_file(const void *bytes, size_t len)
{
	snprintf(path, sizeof(path), "%s/key", dir);
	th_write_file(path, bytes, len);
	return path;
}

/* A file of n bytes all equal to c, then tail. */
static const char *key_file_of(int c, size_t n, const char *tail)
{
	unsigned char buf[8192];
	size_t t = strlen(tail);

	assert_true(n + t <= sizeof(buf));
	memset(buf, c, n);
	memcpy(buf + n, tail, t);
	return key_file(buf, n + t);
}

static int load(struct pseudonym_key *key, const char *file, char *err, size_t errlen)
{
	memset(key, 0, sizeof(*key));
	return pseudonym_key_load(key, file, err, errlen);
}

static void test_key_of_32_bytes_loads(void **state)
{
	struct pseudonym_key key;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&key, key_file_of('k', 32, ""), err, sizeof(err)), 0);
	assert_int_equal(key.len, 32);
	assert_memory_equal(key.bytes, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", 32);
	assert_string_equal(err, "");
}

static void test_one_trailing_newline_is_not_key(void **state)
{
	struct pseudonym_key key;
	char err[256];

	(void)state;
	assert_int_equal(load(&key, key_file_of('k', 32, "\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 32);
	assert_int_equal(load(&key, key_file_of('k', 32, "\r\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 32);
	assert_int_equal(load(&key, key_file_of('k', 40, "\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 40);
}

static void test_only_one_trailing_newline_is_stripped(void **state)
{
	struct pseudonym_key key;
	char err[256];

	(void)state;
	assert_int_equal(load(&key, key_file_of('k', 32, "\n\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 33);
	assert_int_equal(key.bytes[32], '\n');
	assert_int_equal(load(&key, key_file_of('k', 32, "\r\n\r\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 34);
	assert_memory_equal(key.bytes + 32, "\r\n", 2);
	/* a lone CR is key material */
	assert_int_equal(load(&key, key_file_of('k', 32, "\r"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 33);
	assert_int_equal(key.bytes[32], '\r');
	/* and so is a newline that is not last */
	assert_int_equal(load(&key, key_file_of('k', 32, "\nk"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 34);
}

static void test_key_of_64_bytes_loads(void **state)
{
	struct pseudonym_key key;
	char err[256];

	(void)state;
	assert_int_equal(load(&key, key_file_of(0xaa, 64, ""), err, sizeof(err)), 0);
	assert_int_equal(key.len, 64);
	assert_int_equal(load(&key, key_file_of(0xaa, 64, "\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 64);
	assert_int_equal(load(&key, key_file_of(0xaa, 64, "\r\n"), err, sizeof(err)), 0);
	assert_int_equal(key.len, 64);
	assert_int_equal(key.bytes[63], 0xaa);
}

/* A key file: n bytes of 'k', then tail (named for a failure message). */
struct key_shape {
	size_t n;
	const char *tail;
	const char *tail_name;
};

/* Each key file of k[0..count) is refused for its size; a failure names it. */
static void expect_sizes_refused(const struct key_shape *k, size_t count)
{
	struct pseudonym_key key;
	char err[256], want[256];

	for (size_t i = 0; i < count; i++) {
		const char *file = key_file_of('k', k[i].n, k[i].tail);

		snprintf(want, sizeof(want), "%s: key must be 32 to 64 bytes", file);
		if (load(&key, file, err, sizeof(err)) != -EINVAL || strcmp(err, want) != 0) {
			print_error("%zu bytes, then %s: got \"%s\"\n", k[i].n, k[i].tail_name,
				    err);
			fail();
		}
	}
}

static void test_short_key_is_refused(void **state)
{
	static const struct key_shape k[] = {
	    {31, "", "nothing"}, {31, "\n", "LF"}, {31, "\r\n", "CRLF"}, {30, "\r\n", "CRLF"},
	    {0, "", "nothing"},	 {0, "\n", "LF"},  {1, "", "nothing"},
	};

	(void)state;
	expect_sizes_refused(k, sizeof(k) / sizeof(k[0]));
}

static void test_long_key_is_refused(void **state)
{
	static const struct key_shape k[] = {
	    {65, "", "nothing"},   {65, "\n", "LF"},	    {65, "\r\n", "CRLF"},
	    {64, "\n\n", "LF LF"}, {64, "x\r\n", "x CRLF"}, {66, "", "nothing"},
	    {67, "", "nothing"},   {4096, "\n", "LF"},
	};

	(void)state;
	expect_sizes_refused(k, sizeof(k) / sizeof(k[0]));
}

static void test_binary_key_with_nul_bytes_loads(void **state)
{
	unsigned char bytes[50];
	struct pseudonym_key key;
	char err[256];

	(void)state;
	for (int i = 0; i < 48; i++)
		bytes[i] = (unsigned char)i;
	memcpy(bytes + 48, "\r\n", 2);
	assert_int_equal(load(&key, key_file(bytes, sizeof(bytes)), err, sizeof(err)), 0);
	assert_int_equal(key.len, 48);
	assert_memory_equal(key.bytes, bytes, 48);
}

static void test_missing_file_is_refused_with_its_path(void **state)
{
	struct pseudonym_key key;
	char err[256], file[160];

	(void)state;
	snprintf(file, sizeof(file), "%s/no-such-key", dir);
	assert_int_equal(load(&key, file, err, sizeof(err)), -ENOENT);
	assert_memory_equal(err, file, strlen(file));
	assert_string_equal(err + strlen(file), ": No such file or directory");
}

static void test_directory_is_refused(void **state)
{
	struct pseudonym_key key;
	char err[256];

	(void)state;
	assert_int_equal(load(&key, dir, err, sizeof(err)), -EISDIR);
	assert_memory_equal(err, dir, strlen(dir));
}

static void test_key_is_untouched_on_failure(void **state)
{
	struct pseudonym_key key, before;
	char err[256];

	(void)state;
	memset(&key, 0x5a, sizeof(key));
	before = key;
	assert_int_equal(pseudonym_key_load(&key, key_file_of('k', 31, ""), err, sizeof(err)),
			 -EINVAL);
	assert_memory_equal(&key, &before, sizeof(key));
	assert_int_equal(pseudonym_key_load(&key, "/nonexistent/key", err, sizeof(err)), -ENOENT);
	assert_memory_equal(&key, &before, sizeof(key));
}

static void test_err_may_be_null_or_short(void **state)
{
	struct pseudonym_key key;
	char err[8] = "xxxxxxx";

	(void)state;
	assert_int_equal(load(&key, key_file_of('k', 10, ""), NULL, 0), -EINVAL);
	assert_int_equal(load(&key, key_file_of('k', 10, ""), err, 0), -EINVAL);
	assert_string_equal(err, "xxxxxxx");
	assert_int_equal(load(&key, key_file_of('k', 10, ""), err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, path, sizeof(err) - 1);
}

/* key bytes from hex, for the vectors below */
static void key_from_hex(struct pseudonym_key *key, const char *hex)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= sizeof(key->bytes));
	memset(key, 0, sizeof(*key));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &key->bytes[i]), 1);
	key->len = n;
}

static void expect_derive(const char *hexkey, const char *ref, const char *want, int line)
{
	struct pseudonym_key key;
	char out[PSEUDONYM_HEX_LEN + 2];

	key_from_hex(&key, hexkey);
	memset(out, '#', sizeof(out));
	if (pseudonym_derive(&key, ref, out) != 0 || strcmp(out, want) != 0) {
		print_error("line %d: got %.64s\n", line, out);
		fail();
	}
	assert_int_equal(out[PSEUDONYM_HEX_LEN + 1], '#');
}

/* RFC 4231's HMAC-SHA256 test cases 1, 2 and 4 with keys lengthened to 32 bytes (the
 * RFC's are 20, 4 and 25), and case 3's data under a 64-byte key. Expected values from
 *   printf DATA | openssl dgst -sha256 -mac HMAC -macopt hexkey:KEY
 * with OpenSSL 3.0.22. */
static void test_derive_matches_rfc4231_style_vectors(void **state)
{
	(void)state;
	/* case 1: key 0x0b x 32, "Hi There" */
	expect_derive("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		      "Hi There",
		      "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7", __LINE__);
	/* case 2: key "Jefe" x 8 */
	expect_derive("4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
		      "what do ya want for nothing?",
		      "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6", __LINE__);
	/* case 3: key 0xaa x 64 (SHA-256's block size), data 0xdd x 50:
	 * printf '\xdd%.0s' $(seq 50) | openssl dgst ... */
	expect_derive("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		      "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
		      "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
		      "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd",
		      "e3b73eef0fe1ad930dfbe27c108d925234e64a5d9a8c6cf1a87abddc9511c42b", __LINE__);
	/* case 4: key 0x01..0x20, data 0xcd x 50 */
	expect_derive("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		      "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
		      "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
		      "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd",
		      "372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f", __LINE__);
}

/* Keys loaded from files, so the file rules and the HMAC are tested together:
 *   printf REF | openssl dgst -sha256 -mac HMAC -macopt key:0123456789abcdef0123456789abcdef */
static void test_derive_from_loaded_key(void **state)
{
	static const char ascii[] = "0123456789abcdef0123456789abcdef\n";
	unsigned char bytes[50];
	struct pseudonym_key key;
	char err[256], out[PSEUDONYM_HEX_LEN + 1];

	(void)state;
	assert_int_equal(load(&key, key_file(ascii, sizeof(ascii) - 1), err, sizeof(err)), 0);
	assert_int_equal(pseudonym_derive(&key, "opaque-local-id", out), 0);
	assert_string_equal(out,
			    "e82ae1640974e245a2f4f68889a87d229e55b909ffa17ae9f9d43e569e90877a");
	assert_int_equal(pseudonym_derive(&key, "", out), 0);
	assert_string_equal(out,
			    "796cd3078af14636753d26b3b5555422ff55a3e261cf847b48e95371b9bd0aa2");
	/* printf 'Zo\xc3\xab' | openssl dgst ... */
	assert_int_equal(pseudonym_derive(&key, "Zo\xc3\xab", out), 0);
	assert_string_equal(out,
			    "64bd0b89f9500306e666f1a29148521b83cdc43874181e432eb134a708c2b67a");
	/* key 0x00..0x2f and "\r\n": hexkey:000102...2f */
	for (int i = 0; i < 48; i++)
		bytes[i] = (unsigned char)i;
	memcpy(bytes + 48, "\r\n", 2);
	assert_int_equal(load(&key, key_file(bytes, sizeof(bytes)), err, sizeof(err)), 0);
	assert_int_equal(pseudonym_derive(&key, "opaque-local-id", out), 0);
	assert_string_equal(out,
			    "21b9307f1df21ac4d21a31182fd8013b4c311139d059d42cc52cbd51050143be");
	/* 0xaa x 32 and "\n\n": the first newline is key, hexkey:aa...aa0a */
	assert_int_equal(load(&key, key_file_of(0xaa, 32, "\n\n"), err, sizeof(err)), 0);
	assert_int_equal(pseudonym_derive(&key, "opaque-local-id", out), 0);
	assert_string_equal(out,
			    "3ca8352caec5f70d88c27ec2448090317f6aa6296050ca50d9b09ff36fe00a6a");
}

static void test_derive_refuses_a_key_never_loaded(void **state)
{
	struct pseudonym_key key;
	char out[PSEUDONYM_HEX_LEN + 1] = "untouched";

	(void)state;
	memset(&key, 0, sizeof(key));
	assert_int_equal(pseudonym_derive(&key, "opaque-local-id", out), -EINVAL);
	key.len = 31;
	assert_int_equal(pseudonym_derive(&key, "opaque-local-id", out), -EINVAL);
	key.len = 65;
	assert_int_equal(pseudonym_derive(&key, "opaque-local-id", out), -EINVAL);
	assert_string_equal(out, "untouched");
}

static void test_derive_separates_refs_and_keys(void **state)
{
	struct pseudonym_key a, b;
	char x[PSEUDONYM_HEX_LEN + 1], y[PSEUDONYM_HEX_LEN + 1];

	(void)state;
	key_from_hex(&a, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
	key_from_hex(&b, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0c");
	assert_int_equal(pseudonym_derive(&a, "patient-1", x), 0);
	assert_int_equal(pseudonym_derive(&a, "patient-1", y), 0);
	assert_string_equal(x, y);
	assert_int_equal(pseudonym_derive(&a, "patient-2", y), 0);
	assert_string_not_equal(x, y);
	assert_int_equal(pseudonym_derive(&b, "patient-1", y), 0);
	assert_string_not_equal(x, y);
	assert_int_equal(strspn(x, "0123456789abcdef"), PSEUDONYM_HEX_LEN);
}

static void expect_sha256(const void *data, size_t len, const char *want, int line)
{
	char out[66];

	memset(out, '#', sizeof(out));
	if (sha256_hex(data, len, out) != 0 || strcmp(out, want) != 0) {
		print_error("line %d: got %.64s\n", line, out);
		fail();
	}
	assert_int_equal(out[65], '#');
}

/* Expected values from printf DATA | sha256sum (FIPS 180-2's examples among them). */
static void test_sha256_hex_matches_known_digests(void **state)
{
	char *million = malloc(1000000);

	(void)state;
	assert_non_null(million);
	/* printf '' | sha256sum */
	expect_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		      __LINE__);
	expect_sha256(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		      __LINE__);
	/* printf 'abc' | sha256sum */
	expect_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		      __LINE__);
	/* printf 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq' | sha256sum */
	expect_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", __LINE__);
	/* printf 'a\0b' | sha256sum: a NUL is data, not the end */
	expect_sha256("a\0b", 3, "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138",
		      __LINE__);
	/* head -c 1000000 /dev/zero | tr '\0' a | sha256sum */
	memset(million, 'a', 1000000);
	expect_sha256(million, 1000000,
		      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", __LINE__);
	free(million);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_of_32_bytes_loads),
	    cmocka_unit_test(test_one_trailing_newline_is_not_key),
	    cmocka_unit_test(test_only_one_trailing_newline_is_stripped),
	    cmocka_unit_test(test_key_of_64_bytes_loads),
	    cmocka_unit_test(test_short_key_is_refused),
	    cmocka_unit_test(test_long_key_is_refused),
	    cmocka_unit_test(test_binary_key_with_nul_bytes_loads),
	    cmocka_unit_test(test_missing_file_is_refused_with_its_path),
	    cmocka_unit_test(test_directory_is_refused),
	    cmocka_unit_test(test_key_is_untouched_on_failure),
	    cmocka_unit_test(test_err_may_be_null_or_short),
	    cmocka_unit_test(test_derive_matches_rfc4231_style_vectors),
	    cmocka_unit_test(test_derive_from_loaded_key),
	    cmocka_unit_test(test_derive_refuses_a_key_never_loaded),
	    cmocka_unit_test(test_derive_separates_refs_and_keys),
	    cmocka_unit_test(test_sha256_hex_matches_known_digests),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
