/*
 * core/sdk/log.c - meepo_log(): one line per message, to stderr or syslog,
 * as text ("2026-11-26T06:25:12Z info [reader] ...") or as JSON.
 *
 * Concurrency: the settings are written once by log_setup() before threads
 * start; each line is formatted into a local buffer and written with one
 * write(2) (or one syslog(3) call), so lines never interleave.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sdk/log_setup.h"

static enum meepo_log_level log_level = MEEPO_LOG_INFO;
static bool log_to_syslog;
static bool log_as_json;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_setup(enum meepo_log_level level, bool syslog_target, bool json)
{
	log_level = level;
	log_to_syslog = syslog_target;
	log_as_json = json;
	if (syslog_target) {
		openlog("meepo", LOG_PID, LOG_DAEMON);
	}
}

int log_level_parse(const char *text, enum meepo_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum meepo_log_level)i;
			return 0;
		}
	}
	return -1;
}

bool meepo_log_enabled(enum meepo_log_level level)
{
	return level <= log_level;
}

/* Appends s to line as the inside of a JSON string. */
static void json_escape(struct meepo_buf *line, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			meepo_buf_putc(line, '\\');
			meepo_buf_putc(line, (char)c);
		} else if (c < 0x20) {
			meepo_buf_printf(line, "\\u%04x", c);
		} else {
			meepo_buf_putc(line, (char)c);
		}
	}
}

void meepo_log(enum meepo_log_level level, const char *component, const char *instance,
               const char *fmt, ...)
{
	static const int syslog_levels[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char message[2048];
	char stamp[32];
	struct meepo_buf line = { 0 };
	struct tm tm;
	time_t now;
	va_list ap;

	if (!meepo_log_enabled(level)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	if (log_to_syslog && !log_as_json) {
		syslog(syslog_levels[level], "[%s%s%s] %s", component, instance ? ":" : "",
		       instance ? instance : "", message);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (log_as_json) {
		meepo_buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"component\":\"", stamp,
		                 level_names[level]);
		json_escape(&line, component);
		meepo_buf_puts(&line, "\",\"instance\":");
		if (instance != NULL) {
			meepo_buf_putc(&line, '"');
			json_escape(&line, instance);
			meepo_buf_putc(&line, '"');
		} else {
			meepo_buf_puts(&line, "null");
		}
		meepo_buf_puts(&line, ",\"message\":\"");
		json_escape(&line, message);
		meepo_buf_puts(&line, "\"}\n");
	} else {
		meepo_buf_printf(&line, "%s %-5s [%s%s%s] %s\n", stamp, level_names[level], component,
		                 instance ? ":" : "", instance ? instance : "", message);
	}
	if (log_to_syslog) {
		syslog(syslog_levels[level], "%s", line.data);
	} else if (write(STDERR_FILENO, line.data, line.len) < 0) {
		/* Nowhere left to report a failing stderr. */
	}
	meepo_buf_free(&line);
}
