/*
 * meepo/sdk.h - helpers every sink needs: a growable buffer, value and
 * event formatting (text, JSON), key templates and logging.
 *
 * These functions are exported by the meepo executable (it is linked with
 * --export-dynamic) and resolved when the core dlopen()s a plugin, so a
 * plugin links against nothing of meepo's: build it with undefined meepo_*
 * symbols (do not use -Wl,--no-undefined). See docs/writing-a-sink.md.
 *
 * Concurrency: every function here is reentrant; buffers and templates are
 * owned by their caller and must not be shared between threads while being
 * written. A compiled template is immutable and may be rendered from any
 * number of threads at once.
 */
#ifndef MEEPO_SDK_H
#define MEEPO_SDK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <meepo/api.h>
#include <meepo/event.h>
#include <meepo/value.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MEEPO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MEEPO_PRINTF(f, a)
#endif

/* ---- growable byte buffer --------------------------------------------- */

/* A byte buffer; zero-initialise it ({0}) before first use. */
struct meepo_buf {
	char *data;     /* len bytes, always NUL-terminated when cap > 0 */
	size_t len;     /* bytes in use, excluding the NUL */
	size_t cap;     /* bytes allocated */
};

/*
 * Makes room for `extra` more bytes and the NUL. Aborts the process if
 * memory is exhausted. The appenders below call it only when needed: they
 * are inline because formatting calls them for every token.
 */
MEEPO_API void meepo_buf_reserve(struct meepo_buf *buf, size_t extra);

/* Appends n bytes. */
static inline void meepo_buf_append(struct meepo_buf *buf, const void *data, size_t n)
{
	if (buf->cap - buf->len <= n) { /* also for an empty buffer (cap 0) */
		meepo_buf_reserve(buf, n);
	}
	if (n > 0) {
		memcpy(buf->data + buf->len, data, n);
	}
	buf->len += n;
	buf->data[buf->len] = '\0';
}

/* Appends a NUL-terminated string. */
static inline void meepo_buf_puts(struct meepo_buf *buf, const char *s)
{
	meepo_buf_append(buf, s, strlen(s));
}

/* Appends one byte. */
static inline void meepo_buf_putc(struct meepo_buf *buf, char c)
{
	if (buf->cap - buf->len <= 1) {
		meepo_buf_reserve(buf, 1);
	}
	buf->data[buf->len++] = c;
	buf->data[buf->len] = '\0';
}
/* Appends printf-formatted text. */
MEEPO_API void meepo_buf_printf(struct meepo_buf *buf, const char *fmt, ...) MEEPO_PRINTF(2, 3);
/* Empties the buffer, keeping its memory for reuse. */
MEEPO_API void meepo_buf_reset(struct meepo_buf *buf);
/* Frees the buffer's memory; the buffer is empty and reusable afterwards. */
MEEPO_API void meepo_buf_free(struct meepo_buf *buf);

/* ---- values and events as text and JSON -------------------------------- */

/*
 * Appends the value as SELECT shows it (decimals with their scale, temporal
 * values with their fractional digits, strings converted to UTF-8 from the
 * column charset, invalid bytes escaped as \xNN, NULL as "NULL"). Returns 0,
 * or -1 if the value is malformed (the buffer then holds a partial text).
 */
MEEPO_API int meepo_value_append_text(struct meepo_buf *buf, const struct meepo_value *value);

/*
 * Appends the value as a JSON value (see docs/events.md for the mapping).
 * Returns 0, or -1 if the value is malformed.
 */
MEEPO_API int meepo_value_append_json(struct meepo_buf *buf, const struct meepo_value *value);

/*
 * Appends the event as one JSON object with Maxwell's keys (database, table,
 * type, ts, xid, commit, position, gtid, server_id, primary_key,
 * primary_key_columns, data, old), without a trailing newline.
 * Returns 0, or -1 if a value is malformed.
 */
MEEPO_API int meepo_event_append_json(struct meepo_buf *buf, const struct meepo_event *event);

/*
 * Appends the event's stable id, "<server_id>-<file>-<txn_offset>-<row_index>",
 * the same for every replay of the same row event.
 */
MEEPO_API void meepo_event_append_id(struct meepo_buf *buf, const struct meepo_event *event);

/* ---- key templates ------------------------------------------------------ */

/*
 * A compiled template such as "user:{id}" or "{schema}:{table}:{id}".
 * {schema} and {table} are the event's; any other {name} is a column value
 * in SELECT's text form; "{{" and "}}" are literal braces.
 */
struct meepo_template;

/*
 * Compiles `text`. Returns the template (free with meepo_template_free), or
 * NULL with a message in err.
 */
MEEPO_API struct meepo_template *meepo_template_compile(const char *text, char *err, size_t errlen);

/* Frees a template; NULL is allowed. */
MEEPO_API void meepo_template_free(struct meepo_template *tpl);

/* Returns the source text the template was compiled from. */
MEEPO_API const char *meepo_template_text(const struct meepo_template *tpl);

/*
 * Checks that every column the template names exists in `table`.
 * Returns 0, or -1 with the first missing column named in err.
 */
MEEPO_API int meepo_template_check(const struct meepo_template *tpl, const struct meepo_table *table,
                         char *err, size_t errlen);

/*
 * Appends the template rendered over one image of the event (`image` is
 * event->before or event->after). Returns 0; 1 if the image is NULL or a
 * referenced column is NULL or absent in it (nothing sensible to render;
 * the buffer is restored); -1 with a message in err if a column is missing
 * from the table or a value is malformed (the buffer is restored).
 */
MEEPO_API int meepo_template_render(const struct meepo_template *tpl, const struct meepo_event *event,
                          const struct meepo_value *image, struct meepo_buf *out,
                          char *err, size_t errlen);

/*
 * Returns the name of the first column the template names whose value is
 * MEEPO_VALUE_ABSENT in `image` (not logged: binlog_row_image MINIMAL or
 * NOBLOB), or NULL if none is. After meepo_template_render() returned 1 it
 * tells "a NULL value: there is no key" from "the key is unknown".
 */
MEEPO_API const char *meepo_template_absent(const struct meepo_template *tpl,
                                  const struct meepo_event *event,
                                  const struct meepo_value *image);

/* ---- logging ------------------------------------------------------------ */

enum meepo_log_level {
	MEEPO_LOG_ERROR = 0,
	MEEPO_LOG_WARN = 1,
	MEEPO_LOG_INFO = 2,
	MEEPO_LOG_DEBUG = 3,
};

/* True if messages of `level` are written; test it before costly formatting. */
MEEPO_API bool meepo_log_enabled(enum meepo_log_level level);

/*
 * Writes one log line prefixed "[component:instance]" (instance may be NULL)
 * to the configured target. Thread-safe: lines never interleave.
 */
MEEPO_API void meepo_log(enum meepo_log_level level, const char *component, const char *instance,
               const char *fmt, ...) MEEPO_PRINTF(4, 5);

/* Logs as "[sink:<plugin>:<instance>]" for use inside a plugin. */
#define meepo_sink_log(level, plugin, instance, ...)                        \
	do {                                                                \
		if (meepo_log_enabled(level)) {                             \
			meepo_log((level), "sink:" plugin, (instance), __VA_ARGS__); \
		}                                                           \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif /* MEEPO_SDK_H */
