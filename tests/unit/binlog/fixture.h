/*
 * tests/unit/binlog/fixture.h - reading test fixtures under
 * $MEEPO_SOURCE_ROOT/tests/fixtures/.
 *
 * Concurrency: no shared state.
 */
#ifndef MEEPO_TEST_BINLOG_FIXTURE_H
#define MEEPO_TEST_BINLOG_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* Returns the malloc'd path of tests/fixtures/<dir>/<name>; aborts the test if unset. */
char *fixture_path(const char *dir, const char *name);

/* Returns the malloc'd contents of a fixture and its length; fails the test if unreadable. */
uint8_t *fixture_read(const char *dir, const char *name, size_t *len);

#endif /* MEEPO_TEST_BINLOG_FIXTURE_H */
