/*
 * core/sdk/log_setup.h - configuring the log that meepo_log() writes to.
 *
 * Concurrency: call log_setup() on the main thread before other threads
 * start; meepo_log() is thread-safe afterwards.
 */
#ifndef MEEPO_LOG_SETUP_H
#define MEEPO_LOG_SETUP_H

#include <stdbool.h>

#include <meepo/sdk.h>

/* Sets the threshold level, the target (stderr or syslog) and the format. */
void log_setup(enum meepo_log_level level, bool syslog, bool json);

/* Parses "error" | "warn" | "info" | "debug". Returns 0, or -1 if unknown. */
int log_level_parse(const char *text, enum meepo_log_level *out);

#endif /* MEEPO_LOG_SETUP_H */
