/*
 * core/run.h - what the meepo command does, once its arguments are parsed:
 * check a configuration, print a sink's options, or follow the binlog (the
 * initial copy, --snapshot, is in snapshot.h).
 *
 * Concurrency: main thread; run_follow() starts and stops every other
 * thread itself.
 */
#ifndef MEEPO_RUN_H
#define MEEPO_RUN_H

#include <stdbool.h>
#include <stddef.h>

struct run_options {
	const char *config_path;    /* -c: file or directory */
	char **binlogs;             /* --binlog files, NULL if none */
	size_t nbinlogs;
	bool exit_at_end;           /* --exit-at-end */
	const char *plugin_dir;     /* --plugin-dir, NULL if not given */
	int verbosity;              /* -1 quiet, 0 config's level, 1 debug */
};

/* meepo --check: validates everything without connecting. Returns an exit code. */
int run_check(const struct run_options *opts);

/* meepo --help-sink NAME. Returns an exit code. */
int run_help_sink(const struct run_options *opts, const char *name);

/* meepo: follows the source until stopped. Returns an exit code. */
int run_follow(const struct run_options *opts);

#endif /* MEEPO_RUN_H */
