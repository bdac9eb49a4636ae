/* The dashboard's file names (daemon/server/dashboard.c): only safe names
 * under web_dir, with a known type. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dashboard.h"
#include "metrics.h"

/* respond.o counts out-of-memory answers in the metrics; this test links
 * respond.o without the metrics (and the server they report on). */
void metrics_count_oom(struct metrics *m)
{
	(void)m;
}

static void test_plain_files_are_served_with_their_type(void **state)
{
	(void)state;
	const char *type = NULL;
	assert_true(dashboard_name_ok("index.html", &type));
	assert_string_equal(type, "text/html; charset=utf-8");
	assert_true(dashboard_name_ok("app.js", &type));
	assert_string_equal(type, "text/javascript; charset=utf-8");
	assert_true(dashboard_name_ok("style.css", &type));
	assert_string_equal(type, "text/css; charset=utf-8");
	assert_true(dashboard_name_ok("vendor/lib-1.2.min.js", &type));
	assert_true(dashboard_name_ok("img/logo.svg", &type));
	assert_string_equal(type, "image/svg+xml");
}

static void test_traversal_and_odd_names_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "..",
	    "../README.md",
	    "x/../../Makefile",
	    "./index.html",
	    ".hidden.js",
	    "x/.git/config.js",
	    "/etc/passwd.js",
	    "a//b.js",
	    "dir/",
	    "..\\Makefile.js",
	    "a b.js",
	    "a%2e.js",
	    "index.html\n",
	    "caf\xc3\xa9.js",
	    "noextension",
	    "index.php",
	    "app.js.map",
	    "file.JS",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *type = NULL;
		if (dashboard_name_ok(bad[i], &type))
			fail_msg("\"%s\" was accepted", bad[i]);
	}
}

static void test_over_long_names_are_refused(void **state)
{
	(void)state;
	char name[260];
	const char *type;
	memset(name, 'a', sizeof(name));
	memcpy(name + sizeof(name) - 4, ".js", 4);
	assert_false(dashboard_name_ok(name, &type));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_files_are_served_with_their_type),
	    cmocka_unit_test(test_traversal_and_odd_names_are_refused),
	    cmocka_unit_test(test_over_long_names_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
