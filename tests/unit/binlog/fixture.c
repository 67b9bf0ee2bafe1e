/*
 * tests/unit/binlog/fixture.c - reading test fixtures (see fixture.h).
 *
 * Concurrency: no shared state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"

char *fixture_path(const char *dir, const char *name)
{
	const char *root = getenv("MEEPO_SOURCE_ROOT");
	char *path = NULL;

	if (root == NULL) {
		fail_msg("MEEPO_SOURCE_ROOT is not set (run through meson test)");
	}
	if (asprintf(&path, "%s/tests/fixtures/%s/%s", root, dir, name) < 0) {
		fail_msg("out of memory");
	}
	return path;
}

uint8_t *fixture_read(const char *dir, const char *name, size_t *len)
{
	char *path = fixture_path(dir, name);
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size = -1;

	if (f == NULL) {
		fail_msg("cannot open %s", path);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fail_msg("cannot size %s", path);
	}
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fail_msg("cannot read %s", path);
	}
	fclose(f);
	free(path);
	*len = (size_t)size;
	return buf;
}
