/*
 * tests/unit/config/test_plugin.c - plugin_load() on the tiny plugins of
 * tests/plugins/ (built into TEST_PLUGIN_DIR): a good one, and one per
 * defect, each refused with its exact message; and plugin_dir_resolve().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin.h"

static void test_good(void **state)
{
	struct plugin p;
	char err[1024] = "";

	if (plugin_load(TEST_PLUGIN_DIR, "test", &p, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	assert_non_null(p.handle);
	assert_string_equal(p.path, TEST_PLUGIN_DIR "/meepo-sink-test.so");
	assert_string_equal(p.sink->name, "test");
	assert_string_equal(p.sink->version, "1.0");
	assert_string_equal(p.sink->options[0].name, "format");
	assert_non_null(p.sink->create);
	plugin_unload(&p);
	assert_null(p.handle);
	assert_null(p.sink);
	assert_null(p.path);
}

/* A plugin name and the message plugin_load gives for it. */
struct bad_plugin {
	const char *name;       /* plugin to load from TEST_PLUGIN_DIR */
	const char *message;    /* expected error */
};

static void test_refused(void **state)
{
	char size_message[256];
	const struct bad_plugin cases[] = {
		{ "missing", "plugin missing: cannot load: " TEST_PLUGIN_DIR "/meepo-sink-missing.so: "
		             "cannot open shared object file: No such file or directory" },
		{ "undef", "plugin undef: cannot load: " TEST_PLUGIN_DIR "/meepo-sink-undef.so: "
		           "undefined symbol: meepo_test_undefined_function" },
		{ "nosym", "plugin nosym: " TEST_PLUGIN_DIR "/meepo-sink-nosym.so has no symbol "
		           "'meepo_sink': is it a meepo sink?" },
		{ "tiny", "plugin tiny: symbol 'meepo_sink' is 4 bytes, too small for a sink "
		          "descriptor" },
		{ "badabi", "plugin badabi was built for sink ABI 99; this meepo provides ABI 1; "
		            "rebuild it" },
		{ "small", size_message },
		{ "wrongname", "plugin wrongname: its descriptor names it 'other'; the file "
		               "meepo-sink-wrongname.so must hold plugin 'wrongname'" },
		{ "nodeliver", "plugin nodeliver: its descriptor has no deliver" },
		{ "dupopt", "plugin dupopt: option 'url' is declared twice" },
		{ "Test", "plugin name \"Test\" is not valid (1 to 64 of a-z 0-9 _ -)" },
		{ "../test", "plugin name \"../test\" is not valid (1 to 64 of a-z 0-9 _ -)" },
		{ "", "plugin name \"\" is not valid (1 to 64 of a-z 0-9 _ -)" },
	};

	snprintf(size_message, sizeof(size_message),
	         "plugin small: its descriptor is 24 bytes, smaller than the %zu bytes of sink "
	         "ABI 1; rebuild it", sizeof(struct meepo_sink));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plugin p;
		char err[1024] = "";

		assert_int_equal(plugin_load(TEST_PLUGIN_DIR, cases[i].name, &p, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].message);
		assert_null(p.handle);
		assert_null(p.path);
	}
}

static void test_dir_resolve(void **state)
{
	setenv("MEEPO_PLUGIN_DIR", "/from/env", 1);
	assert_string_equal(plugin_dir_resolve("/from/cli", "/from/config"), "/from/cli");
	assert_string_equal(plugin_dir_resolve(NULL, "/from/config"), "/from/config");
	assert_string_equal(plugin_dir_resolve(NULL, NULL), "/from/env");
	setenv("MEEPO_PLUGIN_DIR", "", 1);
	/* This test runs from the build tree. */
	assert_string_equal(plugin_dir_resolve(NULL, NULL), MEEPO_BUILD_ROOT "/plugins");
	unsetenv("MEEPO_PLUGIN_DIR");
	assert_string_equal(plugin_dir_resolve(NULL, NULL), MEEPO_BUILD_ROOT "/plugins");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dir_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
