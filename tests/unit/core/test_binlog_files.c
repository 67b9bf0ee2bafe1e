/*
 * tests/unit/core/test_binlog_files.c - damaged copies of real binlog files
 * (tests/fixtures/mariadb and tests/fixtures/mysql) go through what
 * `meepo --binlog` does: source_file_open(), then every event through the
 * reader into a dispatcher with a recording sink. Each copy must either be
 * read to its end or stop with an error naming the file and the offset of
 * the event at fault, never crash or read out of bounds (ASan/valgrind
 * watch that):
 *
 *   truncated  cut at an event boundary: a valid shorter file, read to its
 *              end; cut inside an event starting at S: "NAME:S: ..."; cut
 *              inside the 4-byte magic number: "NAME:0: ..."
 *   corrupted  one byte inverted in an event starting at S (in its type,
 *              length, end position, the middle of its body, its last byte): "NAME:S: ..." when the file
 *              has CRC32 checksums; without them, a changed length or end
 *              position (the two must agree) and a first event that is no
 *              longer a FORMAT_DESCRIPTION still give "NAME:S: ...", while
 *              other changes may decode to other valid values (then the copy
 *              is read to its end, or fails at S or later); in the magic
 *              number: "NAME:0: ..."
 *
 * Offsets are sampled per event (not every byte) so that the test stays
 * quick under valgrind; files above 200 KB are left out for the same reason.
 *
 * Concurrency: single-threaded apart from the dispatcher's worker.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "binlog/binlog.h"
#include "config.h"
#include "dispatch.h"
#include "reader.h"
#include "router.h"
#include "sdk/log_setup.h"
#include "source.h"

/* Largest fixture used. */
#define MAX_FIXTURE (200u * 1024u)

/* Fewest fixtures the two directories must hold (so a moved directory fails). */
#define MIN_FIXTURES 30

/* The recording sink: counts events and renders each one as JSON. */
struct recorder {
	size_t events;          /* events delivered */
	struct meepo_buf json;  /* the last batch's JSON */
};

static enum meepo_result record_deliver(void *instance, const struct meepo_batch *batch,
                                        struct meepo_report *report)
{
	struct recorder *r = instance;

	(void)report;
	meepo_buf_reset(&r->json);
	for (size_t i = 0; i < batch->count; i++) {
		meepo_event_append_json(&r->json, batch->events[i]);
	}
	r->events += batch->count;
	return MEEPO_OK;
}

static const struct meepo_sink record_plugin = {
	MEEPO_SINK_HEADER, "record", "1", "test", NULL, NULL, NULL, record_deliver, NULL,
};

/* What every case shares: a temp dir, the configuration and its routes. */
struct bench {
	char dir[64];               /* mkdtemp() directory */
	char *copy;                 /* path of the damaged copy inside it */
	struct meepo_conf conf;     /* one sink "rec", every table routed to it */
	struct router *router;      /* compiled routes */
};

/* One fixture and its event boundaries. */
struct fixture {
	const char *name;           /* file name */
	uint8_t *data;              /* its bytes */
	size_t size;
	size_t *starts;             /* offset of every event, in order */
	size_t nevents;
	bool checksum;              /* its events end with a CRC32 */
};

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

static void write_bytes(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int bench_setup(void **state)
{
	static const char conf_text[] =
		"sinks = ( { name = \"rec\"; plugin = \"record\"; deadletter = \"/dev/null\"; } );\n"
		"routes = ( { match = \"*.*\"; sink = \"rec\"; } );\n";
	struct bench *b = calloc(1, sizeof(*b));
	const char *tmp = getenv("TMPDIR");
	struct stat shm;
	char err[1024];
	char *conf_path;

	assert_non_null(b);
	log_setup(MEEPO_LOG_ERROR, false, false);
	/* thousands of small files: in RAM when there is a RAM file system */
	if (tmp == NULL || strlen(tmp) >= 40) {
		tmp = stat("/dev/shm", &shm) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	}
	snprintf(b->dir, sizeof(b->dir), "%s/binlog-files.XXXXXX", tmp);
	assert_non_null(mkdtemp(b->dir));
	b->copy = xasprintf("%s/damaged.000001", b->dir);
	conf_path = xasprintf("%s/meepo.conf", b->dir);
	write_bytes(conf_path, (const uint8_t *)conf_text, strlen(conf_text));
	if (conf_load(conf_path, &b->conf, err, sizeof(err)) != 0) {
		fail_msg("conf_load: %s", err);
	}
	b->router = router_new(&b->conf, err, sizeof(err));
	if (b->router == NULL) {
		fail_msg("router_new: %s", err);
	}
	unlink(conf_path);
	free(conf_path);
	*state = b;
	return 0;
}

static int bench_teardown(void **state)
{
	struct bench *b = *state;

	unlink(b->copy);
	rmdir(b->dir);
	free(b->copy);
	router_free(b->router);
	conf_free(&b->conf);
	free(b);
	return 0;
}

/* Reads a fixture and finds its events; false if it is too big to use. */
static bool fixture_load(const char *dir, const char *name, struct fixture *fx)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct binlog_format fmt;
	char err[256];
	struct stat st;
	size_t pos;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(stat(path, &st), 0);
	if ((size_t)st.st_size > MAX_FIXTURE) {
		free(path);
		return false;
	}
	fx->name = name;
	fx->size = (size_t)st.st_size;
	fx->data = malloc(fx->size);
	fx->starts = malloc((fx->size / BINLOG_HEADER_LEN + 1) * sizeof(*fx->starts));
	assert_true(fx->data != NULL && fx->starts != NULL);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(fx->data, 1, fx->size, f), fx->size);
	fclose(f);
	assert_memory_equal(fx->data, BINLOG_MAGIC, BINLOG_MAGIC_LEN);
	for (pos = BINLOG_MAGIC_LEN; pos + BINLOG_HEADER_LEN <= fx->size;) {
		uint32_t len = le32(fx->data + pos + 9);
		assert_true(len >= BINLOG_HEADER_LEN && len <= fx->size - pos);
		fx->starts[fx->nevents++] = pos;
		pos += len;
	}
	assert_int_equal(pos, fx->size);
	assert_true(fx->nevents > 0);
	binlog_format_default(&fmt);
	if (binlog_format_parse(fx->data + BINLOG_MAGIC_LEN, le32(fx->data + BINLOG_MAGIC_LEN + 9),
	                        &fmt, err, sizeof(err)) != 0) {
		fail_msg("%s: its FORMAT_DESCRIPTION does not parse: %s", path, err);
	}
	fx->checksum = fmt.checksum;
	free(path);
	return true;
}

static void fixture_free(struct fixture *fx)
{
	free(fx->data);
	free(fx->starts);
}

/*
 * Reads `len` bytes of data as a binlog file the way meepo --binlog does.
 * Returns 0 if it was read to its end, or -1 with the message in err.
 */
static int read_copy(struct bench *b, struct dispatcher *d, const uint8_t *data, size_t len,
                     char *err, size_t errlen)
{
	char *paths[] = { b->copy };
	struct source_event ev;
	struct source *src;
	struct reader *reader;
	int ret = -1;

	unlink(b->copy); /* a new file: rewriting one in place makes ext4 flush it on close */
	write_bytes(b->copy, data, len);
	src = source_file_open(paths, 1, err, errlen);
	assert_non_null(src);
	reader = reader_new(b->router, d, NULL, 1u << 20, &src->start);
	for (;;) {
		enum source_status st = src->next(src, &ev, err, errlen);
		if (st == SOURCE_END) {
			ret = 0;
			break;
		}
		if (st != SOURCE_EVENT) {
			break;
		}
		if (reader_feed(reader, &ev, err, errlen) != 0) {
			break;
		}
	}
	reader_free(reader);
	src->close(src);
	return ret;
}

/* Most mismatches printed in full per test (all are counted). */
#define MAX_PRINTED 25

/* Mismatches of the current test, reported together at its end. */
static size_t mismatches;

/*
 * Checks that reading failed with a message naming the copy and offset `at`;
 * prints a mismatch and counts it (so that one run lists them all).
 */
static void expect_error(const struct fixture *fx, const char *what, size_t where, int rc,
                         const char *err, size_t at)
{
	char *want = xasprintf("damaged.000001:%zu: ", at);

	if (rc == 0 || strstr(err, want) == NULL) {
		if (++mismatches <= MAX_PRINTED) {
			printf("%s %s at byte %zu: expected an error naming \"%s\"; %s%s\n", fx->name,
			       what, where, want, rc == 0 ? "read to the end without one" : "got: ",
			       rc == 0 ? "" : err);
		}
	}
	free(want);
}

/* Fails the test if expect_error() counted mismatches. */
static void assert_no_mismatch(const char *what)
{
	size_t n = mismatches;

	mismatches = 0;
	fflush(stdout);
	if (n > 0) {
		fail_msg("%zu %s copies did not fail with the file and the offset of the damaged "
		         "event (the first %d are printed above)", n, what, MAX_PRINTED);
	}
}

/* Starts a dispatcher for one fixture's cases. */
static struct dispatcher *start_dispatcher(struct bench *b, struct recorder *rec,
                                           struct sink_slot *slot)
{
	struct position start = { .file = "damaged.000001", .offset = 4 };

	*slot = (struct sink_slot){ &b->conf.sinks[0], &record_plugin, rec };
	return dispatcher_new(slot, 1, NULL, 1000, &start);
}

static void stop_dispatcher(struct dispatcher *d, struct recorder *rec)
{
	assert_int_equal(dispatcher_finish(d, 10000), 0);
	dispatcher_free(d);
	meepo_buf_free(&rec->json);
}

/* Cuts at the magic number, at every event boundary and inside every event. */
static void truncate_fixture(struct bench *b, const struct fixture *fx)
{
	struct recorder rec = { 0 };
	struct sink_slot slot;
	struct dispatcher *d = start_dispatcher(b, &rec, &slot);
	char err[2048];
	int rc;

	for (size_t cut = 0; cut < BINLOG_MAGIC_LEN; cut++) {
		rc = read_copy(b, d, fx->data, cut, err, sizeof(err));
		expect_error(fx, "cut", cut, rc, err, 0);
	}
	for (size_t i = 0; i < fx->nevents; i++) {
		size_t s = fx->starts[i];
		size_t len = le32(fx->data + s + 9);
		const size_t cuts[] = { 1, BINLOG_HEADER_LEN, len / 2 };

		rc = read_copy(b, d, fx->data, s, err, sizeof(err));
		if (rc != 0) {
			fail_msg("%s cut at the event boundary %zu: %s", fx->name, s, err);
		}
		for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
			if (cuts[k] == 0 || cuts[k] >= len) {
				continue;
			}
			rc = read_copy(b, d, fx->data, s + cuts[k], err, sizeof(err));
			expect_error(fx, "cut", s + cuts[k], rc, err, s);
		}
	}
	stop_dispatcher(d, &rec);
}

/*
 * Checks a copy without checksums whose damage may go unnoticed: read to
 * the end, or an error naming the file and an offset not before `at`.
 * Returns true if it was read to the end.
 */
static bool accepted_or_later(const struct fixture *fx, size_t where, int rc, const char *err,
                              size_t at)
{
	static const char name[] = "damaged.000001:";
	const char *p = strstr(err, name);
	char *end = NULL;
	unsigned long long offset = 0;

	if (rc == 0) {
		return true;
	}
	if (p != NULL) {
		offset = strtoull(p + strlen(name), &end, 10);
	}
	if ((p == NULL || end == p + strlen(name) || strncmp(end, ": ", 2) != 0 || offset < at) &&
	    ++mismatches <= MAX_PRINTED) {
		printf("%s corrupted at byte %zu: expected an error naming the file and an offset "
		       ">= %zu; got: %s\n", fx->name, where, at, err);
	}
	return false;
}

/*
 * Inverts one byte at sampled places of every event. With CRC32 checksums
 * every change must be caught at its event. Without, the event length and
 * end position (which must agree) and the first event's type (a file starts
 * with a FORMAT_DESCRIPTION) must still be; other changes may decode to
 * something valid (counted in *accepted).
 */
static void corrupt_fixture(struct bench *b, const struct fixture *fx, size_t *accepted)
{
	/* type, length (low, high byte), end position, body, last byte (the checksum's) */
	enum { TYPE = 4, LEN_LOW = 9, LEN_HIGH = 12, NEXT_POS = 13 };
	struct recorder rec = { 0 };
	struct sink_slot slot;
	struct dispatcher *d = start_dispatcher(b, &rec, &slot);
	uint8_t *copy = malloc(fx->size);
	char err[2048];
	int rc;

	assert_non_null(copy);
	memcpy(copy, fx->data, fx->size);
	for (size_t at = 0; at < BINLOG_MAGIC_LEN; at++) {
		copy[at] ^= 0xff;
		rc = read_copy(b, d, copy, fx->size, err, sizeof(err));
		copy[at] ^= 0xff;
		expect_error(fx, "corrupted", at, rc, err, 0);
	}
	for (size_t i = 0; i < fx->nevents; i++) {
		size_t s = fx->starts[i];
		size_t len = le32(fx->data + s + 9);
		const size_t places[] = { TYPE, LEN_LOW, LEN_HIGH, NEXT_POS, len / 2, len - 1 };

		for (size_t k = 0; k < sizeof(places) / sizeof(places[0]); k++) {
			size_t at = s + places[k];
			bool must = fx->checksum || places[k] == LEN_LOW || places[k] == LEN_HIGH ||
			            places[k] == NEXT_POS || (i == 0 && places[k] == TYPE);
			copy[at] ^= 0xff;
			rc = read_copy(b, d, copy, fx->size, err, sizeof(err));
			copy[at] ^= 0xff;
			if (must) {
				expect_error(fx, "corrupted", at, rc, err, s);
			} else if (accepted_or_later(fx, at, rc, err, s)) {
				(*accepted)++;
			}
		}
	}
	free(copy);
	stop_dispatcher(d, &rec);
}

/* Reads the intact fixture; returns the events delivered. */
static size_t read_intact(struct bench *b, const struct fixture *fx)
{
	struct recorder rec = { 0 };
	struct sink_slot slot;
	struct dispatcher *d = start_dispatcher(b, &rec, &slot);
	char err[2048];
	size_t events;

	if (read_copy(b, d, fx->data, fx->size, err, sizeof(err)) != 0) {
		fail_msg("%s: the intact file fails: %s", fx->name, err);
	}
	stop_dispatcher(d, &rec);
	events = rec.events;
	return events;
}

/* Runs `check` on every usable fixture of both directories. */
static void for_each_fixture(struct bench *b, void (*check)(struct bench *, const struct fixture *,
                                                            size_t *), size_t *counter)
{
	const char *root = getenv("MEEPO_SOURCE_ROOT");
	const char *const dirs[] = { "tests/fixtures/mariadb", "tests/fixtures/mysql" };
	size_t used = 0;

	if (root == NULL) {
		fail_msg("MEEPO_SOURCE_ROOT is not set (run through meson test)");
	}
	for (size_t i = 0; i < 2; i++) {
		char *dir = xasprintf("%s/%s", root, dirs[i]);
		struct dirent **names = NULL;
		int n = scandir(dir, &names, NULL, alphasort);

		if (n < 0) {
			fail_msg("%s: cannot list it", dir);
		}
		for (int j = 0; j < n; j++) {
			const char *name = names[j]->d_name;
			struct fixture fx;
			bool data = name[0] != '.' && strstr(name, ".txt") == NULL &&
			            strstr(name, ".md") == NULL && strstr(name, ".sql") == NULL;

			if (data && fixture_load(dir, name, &fx)) {
				check(b, &fx, counter);
				fixture_free(&fx);
				used++;
			}
			free(names[j]);
		}
		free(names);
		free(dir);
	}
	if (used < MIN_FIXTURES) {
		fail_msg("only %zu binlog fixtures found; expected at least %d", used, MIN_FIXTURES);
	}
}

static void check_intact(struct bench *b, const struct fixture *fx, size_t *events)
{
	*events += read_intact(b, fx);
}

static void check_truncated(struct bench *b, const struct fixture *fx, size_t *unused)
{
	(void)unused;
	truncate_fixture(b, fx);
}

static void test_intact(void **state)
{
	size_t events = 0;

	for_each_fixture(*state, check_intact, &events);
	assert_true(events > 0);
}

static void test_truncated(void **state)
{
	for_each_fixture(*state, check_truncated, NULL);
	assert_no_mismatch("truncated");
}

static void test_corrupted(void **state)
{
	size_t accepted = 0;

	for_each_fixture(*state, corrupt_fixture, &accepted);
	printf("corrupted copies without checksums read to the end: %zu\n", accepted);
	assert_no_mismatch("corrupted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
	};

	return cmocka_run_group_tests_name("binlog files", tests, bench_setup, bench_teardown);
}
