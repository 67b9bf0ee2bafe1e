/*
 * core/options.h - a sink block checked against its plugin's option table.
 *
 * sink_options_build() applies a plugin's declarative option table to the
 * sink's libconfig block: every key must be a core sink key
 * (sink_core_keys) or an option of the table, of the declared type;
 * required options must be set; PATH options must name a readable file;
 * defaults fill the rest. The result backs the meepo_config_* accessors of
 * meepo/sink.h.
 *
 * Concurrency: built on the main thread, read-only afterwards.
 */
#ifndef MEEPO_OPTIONS_H
#define MEEPO_OPTIONS_H

#include <stdio.h>

#include <libconfig.h>

#include <meepo/sink.h>

/*
 * Builds the validated options of one sink instance. `instance` is the
 * sink's name, `where` its "file:line". Returns the config (free with
 * sink_options_free), or NULL with "file:line: message" in err.
 */
struct meepo_config *sink_options_build(const struct meepo_option *table, const char *instance,
                                        const char *where, const config_setting_t *block,
                                        char *err, size_t errlen);

void sink_options_free(struct meepo_config *cfg);

/* Prints the option table as `meepo --help-sink NAME` shows it. */
void sink_options_print_help(FILE *out, const struct meepo_sink *sink);

#endif /* MEEPO_OPTIONS_H */
