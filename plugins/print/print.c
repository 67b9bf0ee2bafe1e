/*
 * plugins/print/print.c - the print sink: one line per event, to standard
 * output or a file.
 *
 * format = "meepo" writes the original Meepo's event names with the row's
 * primary key, "<table>_<action> <key>" (see docs/sinks/print.md for
 * composite keys, tables without a key and key changes); "json" writes the
 * SDK's JSON form, one object per line; "null" writes nothing (for
 * benchmarks of everything but the output).
 *
 * Concurrency: an instance is used by its worker thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <meepo/sink.h>

enum print_format {
	PRINT_MEEPO,    /* "<table>_<action> <key>" */
	PRINT_JSON,     /* meepo_event_append_json */
	PRINT_NULL,     /* nothing */
};

struct print_sink {
	enum print_format format;   /* what to write */
	FILE *out;                  /* stdout or the file */
	bool close_out;             /* out is ours to fclose */
	bool sync;                  /* fsync after each batch */
	struct meepo_buf buf;       /* a batch's text, reused */
};

static const struct meepo_option print_options[] = {
	{ "format", MEEPO_OPT_STRING, "meepo", "\"meepo\" (<table>_<action> <key>), \"json\" or \"null\"", 0 },
	{ "output", MEEPO_OPT_STRING, "-", "\"-\" for standard output, or a file to append to", 0 },
	{ "fsync", MEEPO_OPT_BOOL, "false", "fsync the file after every batch", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static int parse_format(const char *text, enum print_format *out)
{
	static const char *const names[] = { "meepo", "json", "null" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (enum print_format)i;
			return 0;
		}
	}
	return -1;
}

static int print_check(const struct meepo_config *cfg, char *err, size_t errlen)
{
	enum print_format format;

	if (parse_format(meepo_config_string(cfg, "format"), &format) != 0) {
		snprintf(err, errlen, "%s: format must be \"meepo\", \"json\" or \"null\", not \"%s\"",
		         meepo_config_where(cfg, "format"), meepo_config_string(cfg, "format"));
		return -1;
	}
	if (meepo_config_bool(cfg, "fsync") && strcmp(meepo_config_string(cfg, "output"), "-") == 0) {
		snprintf(err, errlen, "%s: fsync needs a file output, not standard output",
		         meepo_config_where(cfg, "fsync"));
		return -1;
	}
	return 0;
}

static int print_create(const struct meepo_config *cfg, void **instance, char *err, size_t errlen)
{
	const char *output = meepo_config_string(cfg, "output");
	struct print_sink *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	parse_format(meepo_config_string(cfg, "format"), &p->format);
	p->sync = meepo_config_bool(cfg, "fsync");
	if (strcmp(output, "-") == 0) {
		p->out = stdout;
	} else {
		p->out = fopen(output, "ae");
		if (p->out == NULL) {
			snprintf(err, errlen, "%s: %s", output, strerror(errno));
			free(p);
			return -1;
		}
		p->close_out = true;
		struct stat st;
		if (p->sync && (fstat(fileno(p->out), &st) != 0 || !S_ISREG(st.st_mode))) {
			snprintf(err, errlen, "%s: fsync needs a regular file", output);
			fclose(p->out);
			free(p);
			return -1;
		}
	}
	*instance = p;
	return 0;
}

/* Appends the key values of one image, space-separated, in key order. */
static void append_key(struct meepo_buf *buf, const struct meepo_event *e,
                       const struct meepo_value *image)
{
	const struct meepo_table *t = e->table;

	for (uint32_t i = 0; i < t->nkey; i++) {
		if (i > 0) {
			meepo_buf_putc(buf, ' ');
		}
		meepo_value_append_text(buf, &image[t->key[i]]);
	}
}

/* "<table>_<action> <key>", "... <new key> (was <old key>)", or "... -". */
static void append_meepo_line(struct meepo_buf *buf, const struct meepo_event *e)
{
	meepo_buf_puts(buf, e->table->name);
	meepo_buf_putc(buf, '_');
	meepo_buf_puts(buf, meepo_action_name(e->action));
	meepo_buf_putc(buf, ' ');
	if (e->table->nkey == 0) {
		meepo_buf_putc(buf, '-');
	} else if (e->action == MEEPO_UPDATE && meepo_event_key_changed(e)) {
		append_key(buf, e, e->after);
		meepo_buf_puts(buf, " (was ");
		append_key(buf, e, e->before);
		meepo_buf_putc(buf, ')');
	} else {
		append_key(buf, e, meepo_event_key_image(e));
	}
	meepo_buf_putc(buf, '\n');
}

static enum meepo_result print_deliver(void *instance, const struct meepo_batch *batch,
                                       struct meepo_report *report)
{
	struct print_sink *p = instance;

	if (p->format == PRINT_NULL) {
		return MEEPO_OK;
	}
	meepo_buf_reset(&p->buf);
	for (size_t i = 0; i < batch->count; i++) {
		if (p->format == PRINT_MEEPO) {
			append_meepo_line(&p->buf, batch->events[i]);
		} else if (meepo_event_append_json(&p->buf, batch->events[i]) == 0) {
			meepo_buf_putc(&p->buf, '\n');
		} else {
			snprintf(report->reason, sizeof(report->reason), "event %zu of the batch has a "
			         "value that cannot be formatted", i);
			return MEEPO_REJECT;
		}
	}
	if (fwrite(p->buf.data, 1, p->buf.len, p->out) != p->buf.len || fflush(p->out) != 0 ||
	    (p->sync && fsync(fileno(p->out)) != 0)) {
		snprintf(report->reason, sizeof(report->reason), "write: %s", strerror(errno));
		clearerr(p->out);
		return MEEPO_RETRY;
	}
	return MEEPO_OK;
}

static void print_destroy(void *instance)
{
	struct print_sink *p = instance;

	if (p->close_out) {
		fclose(p->out);
	}
	meepo_buf_free(&p->buf);
	free(p);
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER,
	"print",
	"1.0.0",
	"write one line per event (Meepo's names, or JSON) to stdout or a file",
	print_options,
	print_check,
	print_create,
	print_deliver,
	print_destroy,
};
