/*
 * tests/receiver/receiver.c - webhook-receiver, the HTTP(S) endpoint the
 * webhook sink's integration tests and benchmark send to (libmicrohttpd).
 *
 *   webhook-receiver --port N [--port-file FILE] [--log FILE] [--pid FILE]
 *                    [--secret FILE] [--tls-cert PEM --tls-key PEM]
 *                    [--fail RULE]...
 *
 * It listens on 127.0.0.1:N (N = 0: a free port, written to the port
 * file, so that parallel runs never collide), answers every request 200 unless a failure
 * rule says otherwise, checks Standard Webhooks signatures when given the
 * secret (the secret file's format is the sink's: "whsec_<base64>" or raw
 * bytes; the first secret is used), and appends one JSON line per request
 * to the log file, flushed at once:
 *
 *   {"seq":1,"method":"POST","path":"/hook","id":"msg_...",
 *    "timestamp":"1700000000","signature":"valid","authorization":"",
 *    "content_type":"application/json","fault":"none","status":200,
 *    "body":"[{\"database\":...}]"}
 *
 * signature is "valid", "invalid", "missing" or "unchecked" (no secret);
 * fault is "none", "status", "stall" or "drop" (status 0: no response).
 *
 * Failure rules form a queue; each applies to the next `count` requests
 * after letting `after` requests pass, then the next rule applies. Add one
 * with `POST /control?fail=MODE[&count=N][&after=K][&retry_after=S]
 * [&stall_ms=MS]` (or --fail "fail=MODE&count=N..." at start-up), where
 * MODE is an HTTP status (e.g. 500, 429, 400), "stall" (answer 200 only
 * after stall_ms, default 5000) or "drop" (close the connection without an
 * answer). `POST /control?reset=1` empties the queue. `GET /stats` returns
 * {"requests":N,"bytes":B,"faults":F}. Control and stats requests are not
 * logged.
 *
 * The port and pid files are written once the port listens; SIGTERM or SIGINT stops
 * the server cleanly.
 *
 * Concurrency: libmicrohttpd runs a thread per connection; the rule queue,
 * counters and log file are guarded by one mutex. The main thread only
 * waits for a signal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAX_RULES 32
#define MAX_BODY (64u * 1024 * 1024)
#define MAX_FILE (1024 * 1024)
#define SHA256_LEN 32

/* What a failure rule does to a request. */
enum fault {
	FAULT_NONE = 0,     /* answer 200 */
	FAULT_STATUS,       /* answer with rule.status */
	FAULT_STALL,        /* wait stall_ms, then answer 200 */
	FAULT_DROP,         /* close the connection, no answer */
};

static const char *const fault_names[] = {"none", "status", "stall", "drop"};

/* One queued failure rule. */
struct rule {
	enum fault fault;       /* what to do */
	unsigned status;        /* FAULT_STATUS: the HTTP status */
	unsigned retry_after;   /* FAULT_STATUS: Retry-After seconds, 0 = none */
	unsigned stall_ms;      /* FAULT_STALL: delay */
	unsigned long after;    /* requests to let pass first */
	unsigned long count;    /* requests left to fail */
};

/* The server's shared state. */
struct server {
	pthread_mutex_t lock;           /* guards everything below */
	struct rule rules[MAX_RULES];   /* queued rules, oldest first */
	size_t nrules;                  /* rules in the queue */
	FILE *log;                      /* request log, or NULL */
	uint64_t seq;                   /* requests logged so far */
	uint64_t bytes;                 /* body bytes received */
	uint64_t faults;                /* requests failed on purpose */
	unsigned char *secret;          /* signing key, or NULL */
	size_t secret_len;              /* bytes of secret */
};

/* One request being received. */
struct request {
	char *body;             /* body bytes so far (NUL-terminated) */
	size_t len;             /* bytes in body */
	size_t cap;             /* bytes allocated */
	bool too_big;           /* body exceeded MAX_BODY */
};

static struct server server = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* A growable string for one log line. */
struct text {
	char *data;     /* NUL-terminated */
	size_t len;     /* bytes used */
	size_t cap;     /* bytes allocated */
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->data = realloc(t->data, t->cap);
		if (t->data == NULL) {
			perror("webhook-receiver: realloc");
			exit(2);
		}
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

static void text_puts(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* Appends s[0..n) as a JSON string. */
static void text_json(struct text *t, const char *s, size_t n)
{
	char esc[8];
	size_t i;
	unsigned char c;

	text_add(t, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			text_add(t, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			text_add(t, esc, 6);
		} else {
			text_add(t, (const char *)&c, 1);
		}
	}
	text_add(t, "\"", 1);
}

/* Appends ,"key":"value" (value may be NULL: empty). */
static void text_field(struct text *t, const char *key, const char *value)
{
	text_puts(t, ",\"");
	text_puts(t, key);
	text_puts(t, "\":");
	text_json(t, value != NULL ? value : "", value != NULL ? strlen(value) : 0);
}

/* Reads a whole small file; returns a NUL-terminated malloc'd copy or NULL. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "webhook-receiver: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	data = malloc(MAX_FILE + 1);
	if (data != NULL) {
		n = fread(data, 1, MAX_FILE, f);
		data[n] = '\0';
		*len = n;
	}
	fclose(f);
	return data;
}

/* Loads the first secret of a secret file into server.secret. */
static int load_secret(const char *path)
{
	char *text, *line, *end;
	size_t len = 0;
	int n = 0, tail = 0, rc = -1;
	EVP_ENCODE_CTX *ctx = NULL;

	text = read_file(path, &len);
	if (text == NULL) {
		return -1;
	}
	line = text + strspn(text, " \t\r\n");
	end = line + strcspn(line, "\r\n");
	while (end > line && (end[-1] == ' ' || end[-1] == '\t')) {
		end--;
	}
	*end = '\0';
	if (strncmp(line, "whsec_", 6) == 0) {
		ctx = EVP_ENCODE_CTX_new();
		server.secret = malloc(strlen(line) + 1);
		EVP_DecodeInit(ctx);
		if (EVP_DecodeUpdate(ctx, server.secret, &n, (unsigned char *)line + 6,
		                     (int)strlen(line + 6)) < 0 ||
		    EVP_DecodeFinal(ctx, server.secret + n, &tail) != 1) {
			fprintf(stderr, "webhook-receiver: %s: bad whsec_ secret\n", path);
			goto out;
		}
		server.secret_len = (size_t)(n + tail);
	} else {
		server.secret = (unsigned char *)strdup(line);
		server.secret_len = strlen(line);
	}
	rc = server.secret_len > 0 ? 0 : -1;
out:
	EVP_ENCODE_CTX_free(ctx);
	free(text);
	return rc;
}

/* Checks the request's webhook-signature header against the secret. */
static const char *verify(const char *id, const char *ts, const char *sigs, const char *body,
                          size_t len)
{
	unsigned char mac[SHA256_LEN];
	unsigned int maclen = 0;
	char b64[64], *signed_text, *copy, *tok, *save = NULL;
	size_t n;
	const char *verdict = "invalid";

	if (server.secret == NULL) {
		return "unchecked";
	}
	if (id == NULL || ts == NULL || sigs == NULL) {
		return "missing";
	}
	n = strlen(id) + strlen(ts) + len + 2;
	signed_text = malloc(n + 1);
	snprintf(signed_text, n + 1, "%s.%s.", id, ts);
	memcpy(signed_text + strlen(id) + strlen(ts) + 2, body, len);
	HMAC(EVP_sha256(), server.secret, (int)server.secret_len, (unsigned char *)signed_text, n,
	     mac, &maclen);
	EVP_EncodeBlock((unsigned char *)b64, mac, SHA256_LEN);
	copy = strdup(sigs);
	for (tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (strncmp(tok, "v1,", 3) == 0 && strcmp(tok + 3, b64) == 0) {
			verdict = "valid";
		}
	}
	free(copy);
	free(signed_text);
	return verdict;
}

/* Parses control arguments into a rule; returns 0 or -1. */
static int rule_parse(struct rule *r, const char *fail, const char *count, const char *after,
                      const char *retry_after, const char *stall_ms)
{
	char *end = NULL;
	unsigned long status;

	memset(r, 0, sizeof(*r));
	r->count = count != NULL ? strtoul(count, NULL, 10) : 1;
	r->after = after != NULL ? strtoul(after, NULL, 10) : 0;
	r->retry_after = retry_after != NULL ? (unsigned)strtoul(retry_after, NULL, 10) : 0;
	r->stall_ms = stall_ms != NULL ? (unsigned)strtoul(stall_ms, NULL, 10) : 5000;
	if (fail == NULL) {
		return -1;
	}
	if (strcmp(fail, "stall") == 0) {
		r->fault = FAULT_STALL;
		return 0;
	}
	if (strcmp(fail, "drop") == 0) {
		r->fault = FAULT_DROP;
		return 0;
	}
	status = strtoul(fail, &end, 10);
	if (*end != '\0' || status < 100 || status > 599) {
		return -1;
	}
	r->fault = FAULT_STATUS;
	r->status = (unsigned)status;
	return 0;
}

/* Appends a rule to the queue (lock held). Returns 0 or -1 when full. */
static int rule_push(const struct rule *r)
{
	if (server.nrules == MAX_RULES) {
		return -1;
	}
	server.rules[server.nrules++] = *r;
	return 0;
}

/* Takes the fault for the next request off the queue (lock held). */
static struct rule rule_next(void)
{
	struct rule none = {.fault = FAULT_NONE}, *head;

	while (server.nrules > 0) {
		head = &server.rules[0];
		if (head->count == 0) {
			memmove(&server.rules[0], &server.rules[1],
			        (server.nrules - 1) * sizeof(server.rules[0]));
			server.nrules--;
			continue;
		}
		if (head->after > 0) {
			head->after--;
			return none;
		}
		head->count--;
		return *head;
	}
	return none;
}

/* Queues a response with an optional Retry-After; returns MHD's verdict. */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               unsigned retry_after, const char *body)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char value[16];

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (retry_after > 0) {
		snprintf(value, sizeof(value), "%u", retry_after);
		MHD_add_response_header(resp, "Retry-After", value);
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Handles /control and /stats. */
static enum MHD_Result control(struct MHD_Connection *conn, const char *url)
{
	struct rule r;
	char out[160];
	int ok;

	if (strcmp(url, "/stats") == 0) {
		pthread_mutex_lock(&server.lock);
		snprintf(out, sizeof(out), "{\"requests\":%" PRIu64 ",\"bytes\":%" PRIu64
		         ",\"faults\":%" PRIu64 "}\n", server.seq, server.bytes, server.faults);
		pthread_mutex_unlock(&server.lock);
		return respond(conn, 200, 0, out);
	}
	if (MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "reset") != NULL) {
		pthread_mutex_lock(&server.lock);
		server.nrules = 0;
		pthread_mutex_unlock(&server.lock);
		return respond(conn, 200, 0, "{\"reset\":true}\n");
	}
	if (rule_parse(&r, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "fail"),
	               MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "count"),
	               MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "after"),
	               MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "retry_after"),
	               MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "stall_ms")) != 0) {
		return respond(conn, 400, 0, "{\"error\":\"fail=STATUS|stall|drop expected\"}\n");
	}
	pthread_mutex_lock(&server.lock);
	ok = rule_push(&r);
	pthread_mutex_unlock(&server.lock);
	return ok == 0 ? respond(conn, 200, 0, "{\"queued\":true}\n")
	               : respond(conn, 503, 0, "{\"error\":\"rule queue full\"}\n");
}

/* Logs one request and decides its fate (takes the lock). */
static struct rule log_request(struct MHD_Connection *conn, const char *url, const char *method,
                               const struct request *req)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "webhook-id");
	const char *ts = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "webhook-timestamp");
	const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "webhook-signature");
	const char *verdict = verify(id, ts, sig, req->body, req->len);
	struct text line = {0};
	struct rule r;
	char num[64];

	pthread_mutex_lock(&server.lock);
	r = req->too_big ? (struct rule){.fault = FAULT_STATUS, .status = 413} : rule_next();
	server.seq++;
	server.bytes += req->len;
	server.faults += r.fault != FAULT_NONE;
	if (server.log != NULL) {
		snprintf(num, sizeof(num), "{\"seq\":%" PRIu64, server.seq);
		text_puts(&line, num);
		text_field(&line, "method", method);
		text_field(&line, "path", url);
		text_field(&line, "id", id);
		text_field(&line, "timestamp", ts);
		text_field(&line, "signature", verdict);
		text_field(&line, "authorization",
		           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"));
		text_field(&line, "content_type",
		           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"));
		text_field(&line, "fault", fault_names[r.fault]);
		snprintf(num, sizeof(num), ",\"status\":%u,\"body\":",
		         r.fault == FAULT_STATUS ? r.status : r.fault == FAULT_DROP ? 0u : 200u);
		text_puts(&line, num);
		text_json(&line, req->body != NULL ? req->body : "", req->len);
		text_puts(&line, "}\n");
		fwrite(line.data, 1, line.len, server.log);
		fflush(server.log);
	}
	pthread_mutex_unlock(&server.lock);
	free(line.data);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	struct request *req = *con_cls;
	struct rule r;
	char out[96];

	(void)cls;
	(void)version;
	if (req == NULL) {
		req = calloc(1, sizeof(*req));
		if (req == NULL) {
			return MHD_NO;
		}
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (req->len + *upload_data_size > MAX_BODY) {
			req->too_big = true;
		} else {
			if (req->len + *upload_data_size + 1 > req->cap) {
				req->cap = (req->len + *upload_data_size + 1) * 2;
				req->body = realloc(req->body, req->cap);
				if (req->body == NULL) {
					return MHD_NO;
				}
			}
			memcpy(req->body + req->len, upload_data, *upload_data_size);
			req->len += *upload_data_size;
			req->body[req->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/control") == 0 || strcmp(url, "/stats") == 0) {
		return control(conn, url);
	}
	r = log_request(conn, url, method, req);
	switch (r.fault) {
	case FAULT_DROP:
		return MHD_NO;
	case FAULT_STALL:
		usleep((useconds_t)r.stall_ms * 1000);
		return respond(conn, 200, 0, "{\"ok\":true,\"stalled\":true}\n");
	case FAULT_STATUS:
		snprintf(out, sizeof(out), "{\"error\":\"injected %u\"}\n", r.status);
		return respond(conn, r.status, r.retry_after, out);
	case FAULT_NONE:
		break;
	}
	return respond(conn, 200, 0, "{\"ok\":true}\n");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (req != NULL) {
		free(req->body);
		free(req);
		*con_cls = NULL;
	}
}

/* Writes "<n>\n" to path through a temporary file and rename (NULL: no-op). */
static int write_number(const char *path, long n)
{
	char tmp[4096];
	FILE *f;
	int bad;

	if (path == NULL) {
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "webhook-receiver: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	bad = fprintf(f, "%ld\n", n) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		fprintf(stderr, "webhook-receiver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: webhook-receiver --port N [--port-file FILE] [--log FILE] "
	                "[--pid FILE] "
	                "[--secret FILE] [--tls-cert PEM --tls-key PEM] [--fail RULE]...\n"
	                "  RULE: fail=STATUS|stall|drop[&count=N][&after=K][&retry_after=S]"
	                "[&stall_ms=MS]\n");
}

/* Parses a --fail "k=v&k=v" argument into a queued rule. */
static int add_fail_arg(char *arg)
{
	const char *keys[] = {"fail", "count", "after", "retry_after", "stall_ms"};
	const char *vals[5] = {NULL};
	char *tok, *save = NULL, *eq;
	struct rule r;
	size_t i;

	for (tok = strtok_r(arg, "&", &save); tok != NULL; tok = strtok_r(NULL, "&", &save)) {
		eq = strchr(tok, '=');
		if (eq == NULL) {
			return -1;
		}
		*eq = '\0';
		for (i = 0; i < 5; i++) {
			if (strcmp(tok, keys[i]) == 0) {
				vals[i] = eq + 1;
			}
		}
	}
	if (rule_parse(&r, vals[0], vals[1], vals[2], vals[3], vals[4]) != 0) {
		return -1;
	}
	return rule_push(&r);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"port-file", required_argument, NULL, 'o'},
		{"log", required_argument, NULL, 'l'},
		{"pid", required_argument, NULL, 'P'},
		{"secret", required_argument, NULL, 's'},
		{"tls-cert", required_argument, NULL, 'c'},
		{"tls-key", required_argument, NULL, 'k'},
		{"fail", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *pid_path = NULL, *port_path = NULL, *cert_path = NULL, *key_path = NULL;
	char *cert = NULL, *key = NULL;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	struct MHD_Daemon *daemon = NULL;
	struct MHD_OptionItem opts[6];
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                     MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	long port = -1;
	size_t len;
	sigset_t set;
	int opt, sig, rc = 1;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 'o':
			port_path = optarg;
			break;
		case 'l':
			server.log = fopen(optarg, "a");
			if (server.log == NULL) {
				fprintf(stderr, "webhook-receiver: %s: %s\n", optarg, strerror(errno));
				goto out;
			}
			break;
		case 'P':
			pid_path = optarg;
			break;
		case 's':
			if (load_secret(optarg) != 0) {
				goto out;
			}
			break;
		case 'c':
			cert_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'f':
			if (add_fail_arg(optarg) != 0) {
				fprintf(stderr, "webhook-receiver: bad --fail rule\n");
				goto out;
			}
			break;
		default:
			usage();
			goto out;
		}
	}
	if (port < 0 || port > 65535 || (cert_path == NULL) != (key_path == NULL)) {
		usage();
		goto out;
	}
	if (cert_path != NULL) {
		cert = read_file(cert_path, &len);
		key = read_file(key_path, &len);
		if (cert == NULL || key == NULL) {
			goto out;
		}
		flags |= MHD_USE_TLS;
	}
	/* SIGTERM/SIGINT are taken by sigwait() below, in this thread only */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* the TLS pair is left out (MHD_OPTION_END) when not serving HTTPS */
	opts[0] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &addr};
	opts[1] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL};
	opts[2] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL};
	opts[3] = (struct MHD_OptionItem){cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	                                  0, cert};
	opts[4] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
	opts[5] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
	                          MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (daemon == NULL) {
		fprintf(stderr, "webhook-receiver: cannot listen on 127.0.0.1:%ld\n", port);
		goto out;
	}
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || write_number(port_path, (long)info->port) != 0 ||
	    write_number(pid_path, (long)getpid()) != 0) {
		goto out;
	}
	sigwait(&set, &sig);
	rc = 0;
out:
	if (daemon != NULL) {
		MHD_stop_daemon(daemon);
	}
	if (pid_path != NULL && rc == 0) {
		unlink(pid_path);
	}
	if (server.log != NULL) {
		fclose(server.log);
	}
	free(server.secret);
	free(cert);
	free(key);
	return rc;
}
