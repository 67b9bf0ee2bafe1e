/*
 * tests/unit/config/helpers.c - scratch directories of configuration files.
 *
 * Concurrency: single-threaded tests only.
 */
#include <ftw.h>
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

#include "helpers.h"

char *scratch_new(void)
{
	char *dir = strdup("/tmp/meepo-config-test-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

char *scratch_write(const char *dir, const char *name, const char *text)
{
	const char *slash = strchr(name, '/');
	char *path;
	FILE *f;

	if (slash != NULL) {
		assert_true(asprintf(&path, "%s/%.*s", dir, (int)(slash - name), name) > 0);
		mkdir(path, 0700);
		free(path);
	}
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* nftw() callback: removes one entry. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void scratch_remove(char *dir)
{
	assert_int_equal(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
	free(dir);
}

const config_setting_t *scratch_setting(config_t *cf, const char *dir, const char *name,
                                        const char *text, const char *path)
{
	char *file = scratch_write(dir, name, text);
	const config_setting_t *s;

	config_init(cf);
	if (!config_read_file(cf, file)) {
		fail_msg("%s:%d: %s", file, config_error_line(cf), config_error_text(cf));
	}
	free(file);
	s = config_lookup(cf, path);
	assert_non_null(s);
	return s;
}
