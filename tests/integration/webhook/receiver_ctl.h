/*
 * tests/integration/webhook/receiver_ctl.h - start, steer and read the
 * webhook-receiver test server (tests/receiver/receiver.c) from cmocka
 * tests: it runs as a child process on a free loopback port, is told to
 * fail through its /control endpoint, and its JSON-lines request log is
 * parsed back into structs.
 *
 * Like harness.h, every helper that cannot do its job fails the current
 * cmocka test with a message. Returned strings and structs are owned by
 * the caller and freed with the matching *_free / receiver_stop.
 *
 * Concurrency: test thread only.
 */
#ifndef MEEPO_TEST_RECEIVER_CTL_H
#define MEEPO_TEST_RECEIVER_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A running receiver. */
struct receiver {
	struct receiver *next;  /* the next running receiver (receiver_stop_all) */
	pid_t pid;          /* the child; 0 once stopped */
	int port;           /* the port it listens on, on 127.0.0.1 */
	bool tls;           /* serving HTTPS */
	char *dir;          /* its temp dir (log, pid and port files) */
	char *log_path;     /* its request log */
	char *base_url;     /* "http://127.0.0.1:PORT" or "https://..." */
};

/* Optional start-up settings; zero-initialise. */
struct receiver_opts {
	const char *secret_file;    /* verify signatures with this secret file */
	const char *tls_cert;       /* serve HTTPS with this certificate (PEM) */
	const char *tls_key;        /* and its key */
};

/* One logged request. */
struct hit {
	long seq;               /* 1-based arrival number */
	char *method;           /* "POST", ... */
	char *path;             /* "/hook", ... */
	char *id;               /* webhook-id header, "" if none */
	char *timestamp;        /* webhook-timestamp header, "" if none */
	char *signature;        /* "valid", "invalid", "missing" or "unchecked" */
	char *authorization;    /* Authorization header, "" if none */
	char *content_type;     /* Content-Type header */
	char *fault;            /* "none", "status", "stall" or "drop" */
	int status;             /* status answered, 0 for a dropped connection */
	char *body;             /* request body, unescaped */
};

/* Every logged request, in arrival order. */
struct hits {
	struct hit *items;      /* count entries */
	size_t count;           /* requests logged */
};

/* Starts a receiver (opts may be NULL) and waits until it listens. */
struct receiver *receiver_start(const struct receiver_opts *opts);

/* Stops it with SIGTERM (by pid), waits for it and frees r. */
void receiver_stop(struct receiver *r);

/*
 * Stops every receiver still running: call it from each test's teardown,
 * so that a failed test (whose clean-up a cmocka failure skips) leaves no
 * receiver behind.
 */
int receiver_stop_all(void **state);

/*
 * Queues a failure rule: POST /control?<query>, e.g. "fail=500&count=2".
 * Fails the test unless the receiver accepts it.
 */
void receiver_fail(struct receiver *r, const char *query);

/* Reads and parses the request log so far. */
void receiver_hits(const struct receiver *r, struct hits *out);

/* Frees what receiver_hits() stored. */
void hits_free(struct hits *hits);

/*
 * Stores in ids (up to max) the "id" column of every event in a request
 * body, in body order (the events' data objects start with the id column).
 * Returns the number found.
 */
size_t body_ids(const char *body, long *ids, size_t max);

/*
 * Creates a CA and a server certificate for 127.0.0.1 signed by it in dir
 * with the openssl command: dir/ca.pem, dir/server.pem, dir/server.key.
 */
void make_test_pki(const char *dir);

#endif /* MEEPO_TEST_RECEIVER_CTL_H */
