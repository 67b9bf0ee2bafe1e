/*
 * tests/unit/config/test_bad_configs.c - every bad configuration of
 * tests/bad-configs/ is refused with exactly the first line of its
 * NAME.expected file.
 *
 * Runs in tests/bad-configs/ (so that messages name files relative to it).
 * A configuration is a NAME.conf file or a NAME.d directory; it goes
 * through what `meepo --check` does: conf_load(), router_new(), then for
 * every sink plugin_load() from TEST_PLUGIN_DIR (the bad configurations use
 * plugin = "test") and sink_options_build() with the plugin's table.
 * Exactly one of them must fail, with the expected message.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "options.h"
#include "plugin.h"
#include "router.h"

/* Fewest bad configurations the directory must hold. */
#define MIN_CASES 30

/* Checks every sink's options against its plugin. Returns 0 or -1 with err. */
static int check_sinks(const struct meepo_conf *conf, char *err, size_t errlen)
{
	for (size_t i = 0; i < conf->nsinks; i++) {
		const struct sink_config *sk = &conf->sinks[i];
		struct meepo_config *cfg;
		struct plugin p;

		if (plugin_load(TEST_PLUGIN_DIR, sk->plugin, &p, err, errlen) != 0) {
			return -1;
		}
		cfg = sink_options_build(p.sink->options, sk->name, sk->where, sk->setting, err,
		                         errlen);
		sink_options_free(cfg);
		plugin_unload(&p);
		if (cfg == NULL) {
			return -1;
		}
	}
	return 0;
}

/* Runs one configuration through the checks; returns 0 if it passed them all. */
static int check_config(const char *name, char *err, size_t errlen)
{
	struct meepo_conf conf;
	struct router *router;
	int rc = -1;

	if (conf_load(name, &conf, err, errlen) != 0) {
		return -1;
	}
	router = router_new(&conf, err, errlen);
	if (router != NULL && check_sinks(&conf, err, errlen) == 0) {
		rc = 0;
	}
	router_free(router);
	conf_free(&conf);
	return rc;
}

/* Reads the first line of `path` into line (without its newline). */
static bool read_first_line(const char *path, char *line, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (f == NULL) {
		return false;
	}
	ok = fgets(line, (int)size, f) != NULL;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return ok;
}

/* True if name ends with suffix. */
static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name);
	size_t m = strlen(suffix);

	return n > m && strcmp(name + n - m, suffix) == 0;
}

/* True for the names that are configurations: *.conf files and *.d directories. */
static bool is_case(const char *name)
{
	struct stat st;

	if (name[0] == '.' || stat(name, &st) != 0) {
		return false;
	}
	return (S_ISREG(st.st_mode) && ends_with(name, ".conf")) ||
	       (S_ISDIR(st.st_mode) && ends_with(name, ".d"));
}

/* Checks one directory entry; returns true if it is a passing case. */
static bool run_entry(const char *name, int *failures)
{
	char expected[1024];
	char err[1024] = "";
	char *path;
	bool has_expected;

	assert_true(asprintf(&path, "%s.expected", name) > 0);
	has_expected = read_first_line(path, expected, sizeof(expected));
	free(path);
	if (check_config(name, err, sizeof(err)) == 0) {
		printf("%s: accepted, but it is a bad configuration\n", name);
		(*failures)++;
		return false;
	}
	if (!has_expected) {
		printf("%s: no %s.expected; the message was:\n%s\n", name, name, err);
		(*failures)++;
		return false;
	}
	if (strcmp(err, expected) != 0) {
		printf("%s:\n  expected: %s\n  got:      %s\n", name, expected, err);
		(*failures)++;
		return false;
	}
	return true;
}

/* Checks that an expected file's configuration exists. */
static void check_orphan(const char *name, int *failures)
{
	char *config = strndup(name, strlen(name) - strlen(".expected"));

	assert_non_null(config);
	if (!is_case(config)) {
		printf("%s: no configuration %s (a .conf file or a .d directory)\n", name, config);
		(*failures)++;
	}
	free(config);
}

static void test_bad_configs(void **state)
{
	struct dirent **ents;
	int failures = 0;
	int passed = 0;
	int n;

	unsetenv("MEEPO_TEST_SURELY_UNSET_VARIABLE");
	n = scandir(".", &ents, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (is_case(name)) {
			passed += run_entry(name, &failures);
		} else if (ends_with(name, ".expected")) {
			check_orphan(name, &failures);
		}
		free(ents[i]);
	}
	free(ents);
	printf("%d bad configurations refused as expected, %d failures\n", passed, failures);
	assert_int_equal(failures, 0);
	assert_true(passed >= MIN_CASES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
