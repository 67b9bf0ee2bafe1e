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
 * JSON formatting is this sink's costly part, so a big batch is formatted
 * in two halves at once: the second by a helper thread of the instance.
 *
 * Concurrency: an instance is used by its worker thread only, except the
 * helper's job fields, handed over under helper.lock.
 */
#include <errno.h>
#include <pthread.h>
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

/* Batches at least this big are formatted in two halves at once. */
#define SPLIT_MIN_EVENTS 256u

/* A thread that formats the second half of a batch (JSON only). */
struct helper {
	pthread_t thread;           /* runs helper_main */
	pthread_mutex_t lock;       /* guards the fields below */
	pthread_cond_t cond;        /* a job was posted, or it is done */
	bool busy;                  /* a job is posted and not finished */
	bool stop;                  /* the thread must end */
	const struct meepo_batch *batch; /* the job: events [from, to) */
	size_t from;
	size_t to;
	size_t failed;              /* index of a malformed event, or `to` */
	struct meepo_buf buf;       /* the job's text */
};

struct print_sink {
	enum print_format format;   /* what to write */
	FILE *out;                  /* stdout or the file */
	bool close_out;             /* out is ours to fclose */
	bool sync;                  /* fsync after each batch */
	struct meepo_buf buf;       /* a batch's text, reused */
	struct helper *helper;      /* JSON format only, else NULL */
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

/* Formats events [from, to) into buf; returns the first malformed one's index, or `to`. */
static size_t format_range(enum print_format format, const struct meepo_batch *batch,
                           size_t from, size_t to, struct meepo_buf *buf)
{
	meepo_buf_reset(buf);
	for (size_t i = from; i < to; i++) {
		if (format == PRINT_MEEPO) {
			append_meepo_line(buf, batch->events[i]);
		} else if (meepo_event_append_json(buf, batch->events[i]) == 0) {
			meepo_buf_putc(buf, '\n');
		} else {
			return i;
		}
	}
	return to;
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->busy && !h->stop) {
			pthread_cond_wait(&h->cond, &h->lock);
		}
		if (h->stop) {
			break;
		}
		pthread_mutex_unlock(&h->lock);
		h->failed = format_range(PRINT_JSON, h->batch, h->from, h->to, &h->buf);
		pthread_mutex_lock(&h->lock);
		h->busy = false;
		pthread_cond_signal(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static struct helper *helper_start(void)
{
	struct helper *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

static void helper_stop(struct helper *h)
{
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	meepo_buf_free(&h->buf);
	free(h);
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
	if (p->format == PRINT_JSON && (p->helper = helper_start()) == NULL) {
		snprintf(err, errlen, "cannot start the formatting thread");
		if (p->close_out) {
			fclose(p->out);
		}
		free(p);
		return -1;
	}
	*instance = p;
	return 0;
}

/*
 * Formats the whole batch: into p->buf, and for a big JSON batch its second
 * half into the helper's buffer at the same time. Returns the first
 * malformed event's index, or batch->count.
 */
static size_t format_batch(struct print_sink *p, const struct meepo_batch *batch)
{
	struct helper *h = p->helper;
	size_t mid = batch->count;
	size_t failed;

	if (h != NULL && batch->count >= SPLIT_MIN_EVENTS) {
		mid = batch->count / 2;
		pthread_mutex_lock(&h->lock);
		h->batch = batch;
		h->from = mid;
		h->to = batch->count;
		h->busy = true;
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	failed = format_range(p->format, batch, 0, mid, &p->buf);
	if (mid < batch->count) {
		pthread_mutex_lock(&h->lock);
		while (h->busy) {
			pthread_cond_wait(&h->cond, &h->lock);
		}
		pthread_mutex_unlock(&h->lock);
		if (failed == mid) {
			failed = h->failed;
		}
	} else if (h != NULL) {
		meepo_buf_reset(&h->buf);
	}
	return failed;
}

static enum meepo_result print_deliver(void *instance, const struct meepo_batch *batch,
                                       struct meepo_report *report)
{
	struct print_sink *p = instance;
	struct meepo_buf *second = p->helper != NULL ? &p->helper->buf : NULL;
	size_t failed;

	if (p->format == PRINT_NULL) {
		return MEEPO_OK;
	}
	failed = format_batch(p, batch);
	if (failed < batch->count) {
		snprintf(report->reason, sizeof(report->reason), "event %zu of the batch has a "
		         "value that cannot be formatted", failed);
		return MEEPO_REJECT;
	}
	if (fwrite(p->buf.data, 1, p->buf.len, p->out) != p->buf.len ||
	    (second != NULL && second->len > 0 &&
	     fwrite(second->data, 1, second->len, p->out) != second->len) ||
	    fflush(p->out) != 0 || (p->sync && fsync(fileno(p->out)) != 0)) {
		snprintf(report->reason, sizeof(report->reason), "write: %s", strerror(errno));
		clearerr(p->out);
		return MEEPO_RETRY;
	}
	return MEEPO_OK;
}

static void print_destroy(void *instance)
{
	struct print_sink *p = instance;

	if (p->helper != NULL) {
		helper_stop(p->helper);
	}
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
