/*
 * tests/unit/config/helpers.h - scratch directories of configuration files
 * for the configuration tests.
 *
 * Concurrency: single-threaded tests only.
 */
#ifndef MEEPO_TEST_CONFIG_HELPERS_H
#define MEEPO_TEST_CONFIG_HELPERS_H

#include <libconfig.h>

/* Creates a fresh directory under /tmp; returns its path (malloc'd). */
char *scratch_new(void);

/*
 * Writes `text` to dir/name (name may contain one level of subdirectory,
 * created as needed). Returns the file's path (malloc'd).
 */
char *scratch_write(const char *dir, const char *name, const char *text);

/* Removes the directory and everything in it, and frees the path. */
void scratch_remove(char *dir);

/*
 * Parses `text` (written to dir/name) into cf, which the caller destroys,
 * and returns the setting at libconfig path `path`.
 */
const config_setting_t *scratch_setting(config_t *cf, const char *dir, const char *name,
                                        const char *text, const char *path);

#endif /* MEEPO_TEST_CONFIG_HELPERS_H */
