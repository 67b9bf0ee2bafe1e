/*
 * core/config.c - conf_load(): libconfig files into a struct meepo_conf.
 *
 * A path is one file, or a directory whose *.conf files are read in lexical
 * order (scandir + alphasort). Each file is parsed into its own config_t,
 * kept in conf->files so that settings keep their file and line for later
 * messages (sink_options_build() reads the sink blocks from them).
 *
 * Checks, in this order, each naming file:line: libconfig's syntax errors;
 * integer literals that libconfig 1.5 would silently truncate to 32 bits
 * (they need an L suffix) and @include (not supported: the directory is the
 * way to split a configuration); top-level keys; sections given twice
 * across files; every key of every section (unknown keys, types, ranges,
 * values); then, once all files are read, that there are sinks and routes
 * and that each route's sink exists. The first error wins.
 *
 * Relative paths in the configuration (password_file, checkpoint.path,
 * deadletter) are relative to meepo's working directory.
 *
 * Concurrency: main thread only; the result is read-only afterwards.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "router.h"

/* Largest configuration file read. */
#define MAX_CONF_FILE_BYTES (1u << 20)
/* Largest password file read. */
#define MAX_PASSWORD_BYTES 4096u

const char *const sink_core_keys[] = {
	"name", "plugin", "queue_max_bytes", "batch_max_events", "retry_initial_ms",
	"retry_max_ms", "retry_limit", "deadletter", NULL,
};

/* A route whose `sink` is resolved once every file is read. */
struct pending_route {
	const config_setting_t *sink;   /* the route's `sink` setting */
	size_t index;                   /* the route's index in its file's list */
};

/* State of one conf_load() call. */
struct loader {
	struct meepo_conf *conf;            /* being built */
	const char *path;                   /* the path given to conf_load() */
	char *err;                          /* the caller's message buffer */
	size_t errlen;                      /* its size */
	const config_setting_t *seen[6];    /* first occurrence of each once-only section */
	struct pending_route *pending;      /* one per conf->routes entry */
	size_t sinks_cap;                   /* allocated conf->sinks entries */
	size_t routes_cap;                  /* allocated conf->routes entries */
	size_t pending_cap;                 /* allocated pending entries */
};

/* ---- messages and small helpers ----------------------------------------- */

static int fail(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
	MEEPO_PRINTF(3, 4);

/* Writes "file:line: message" about setting `at` into the error buffer; returns -1. */
static int fail(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ld->err, ld->errlen, "%s:%u: ", config_setting_source_file(at),
	             config_setting_source_line(at));
	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Replaces *dst with a copy of value. Returns 0, or -1 (out of memory). */
static int set_string(struct loader *ld, char **dst, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL) {
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

/* Sets *dst to "file:line" of setting s. Returns 0, or -1 (out of memory). */
static int set_where(struct loader *ld, char **dst, const config_setting_t *s)
{
	free(*dst);
	if (asprintf(dst, "%s:%u", config_setting_source_file(s), config_setting_source_line(s)) < 0) {
		*dst = NULL;
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* True if every character of s (non-empty) is alphanumeric or in `extra`. */
static bool name_ok(const char *s, bool upper, const char *extra)
{
	if (*s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(isdigit(c) || islower(c) || (upper && isupper(c)) ||
		      strchr(extra, c) != NULL)) {
			return false;
		}
	}
	return true;
}

/* Returns the index of s in the NULL-terminated list, or -1. */
static int list_index(const char *const *list, const char *s)
{
	for (int i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], s) == 0) {
			return i;
		}
	}
	return -1;
}

/*
 * Reads a whole file of at most `max` bytes into a NUL-terminated buffer.
 * Returns 0, or an errno value (EFBIG when larger than max).
 */
static int slurp(const char *path, size_t max, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	ssize_t n;
	int fd;
	int rc = 0;

	*text = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return errno;
	}
	if (fstat(fd, &st) != 0) {
		rc = errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = EISDIR;
		goto out;
	}
	buf = malloc(max + 2);
	if (buf == NULL) {
		rc = ENOMEM;
		goto out;
	}
	do {
		n = read(fd, buf + used, max + 1 - used);
		if (n < 0 && errno != EINTR) {
			rc = errno;
			goto out;
		}
		used += n > 0 ? (size_t)n : 0;
	} while (n != 0 && used <= max);
	if (used > max) {
		rc = EFBIG;
		goto out;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- typed getters ------------------------------------------------------- */

/*
 * Checks that every member of group is in `allowed` (NULL-terminated).
 * `label` names the group in messages ("source", "routes[0]").
 */
static int check_keys(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *const *allowed)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);

		if (list_index(allowed, config_setting_name(m)) < 0) {
			return fail(ld, m, "unknown key '%s.%s'", label, config_setting_name(m));
		}
	}
	return 0;
}

/* Requires setting s to be a group. */
static int want_group(struct loader *ld, const config_setting_t *s, const char *label)
{
	if (!config_setting_is_group(s)) {
		return fail(ld, s, "%s: expected a group { ... }", label);
	}
	return 0;
}

/* Returns member `key` of group; if it is missing, writes an error and returns NULL. */
static const config_setting_t *require(struct loader *ld, const config_setting_t *group,
                                       const char *label, const char *key)
{
	const config_setting_t *m = config_setting_get_member(group, key);

	if (m == NULL) {
		fail(ld, group, "%s: missing key '%s'", label, key);
	}
	return m;
}

/* Requires s to be a non-empty string; `what` names it ("source.host"). */
static int want_string(struct loader *ld, const config_setting_t *s, const char *what,
                       const char **value)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		return fail(ld, s, "%s: expected a string", what);
	}
	*value = config_setting_get_string(s);
	if (**value == '\0') {
		return fail(ld, s, "%s: must not be empty", what);
	}
	return 0;
}

/* Copies string member `key` into *dst if present (*dst keeps its value otherwise). */
static int get_string(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *key, bool required, char **dst)
{
	const config_setting_t *m;
	const char *value;
	char what[128];

	m = required ? require(ld, group, label, key) : config_setting_get_member(group, key);
	if (m == NULL) {
		return required ? -1 : 0;
	}
	snprintf(what, sizeof(what), "%s.%s", label, key);
	if (want_string(ld, m, what, &value) != 0) {
		return -1;
	}
	return set_string(ld, dst, value);
}

/* Stores integer member `key`, checked against min..max, in *dst if present. */
static int get_int(struct loader *ld, const config_setting_t *group, const char *label,
                   const char *key, int64_t min, int64_t max, int64_t *dst)
{
	const config_setting_t *m = config_setting_get_member(group, key);
	long long v;

	if (m == NULL) {
		return 0;
	}
	if (config_setting_type(m) != CONFIG_TYPE_INT && config_setting_type(m) != CONFIG_TYPE_INT64) {
		return fail(ld, m, "%s.%s: expected an integer", label, key);
	}
	v = config_setting_get_int64(m);
	if (v < min || v > max) {
		return fail(ld, m, "%s.%s: %lld is out of range (%lld..%lld)", label, key, v,
		            (long long)min, (long long)max);
	}
	*dst = v;
	return 0;
}

/* get_int() into a uint32_t. */
static int get_u32(struct loader *ld, const config_setting_t *group, const char *label,
                   const char *key, int64_t min, int64_t max, uint32_t *dst)
{
	int64_t v = *dst;

	if (get_int(ld, group, label, key, min, max, &v) != 0) {
		return -1;
	}
	*dst = (uint32_t)v;
	return 0;
}

/*
 * Stores in *dst the index in `names` (NULL-terminated) of string member
 * `key`, if present. `expected` lists the names for the message.
 */
static int get_choice(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *key, const char *const *names, const char *expected,
                      int *dst)
{
	const config_setting_t *m = config_setting_get_member(group, key);
	const char *value;
	char what[128];
	int i;

	if (m == NULL) {
		return 0;
	}
	snprintf(what, sizeof(what), "%s.%s", label, key);
	if (want_string(ld, m, what, &value) != 0) {
		return -1;
	}
	i = list_index(names, value);
	if (i < 0) {
		return fail(ld, m, "%s: \"%s\" is not one of %s", what, value, expected);
	}
	*dst = i;
	return 0;
}

/* ---- source ------------------------------------------------------------ */

/* Parses decimal digits at *p into *out (<= max); advances *p. False if none or too big. */
static bool parse_uint(const char **p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s)) {
		return false;
	}
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10) {
			return false;
		}
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/* What gtid_normalize() found. */
enum gtid_result { GTID_OK, GTID_INVALID, GTID_DUPLICATE_DOMAIN };

/*
 * Validates a MariaDB GTID list ("0-1-100" or "0-1-100,1-2-7"; spaces
 * around commas allowed; at most one GTID per domain, at most 64) and
 * stores it without spaces in *out (malloc'd). On GTID_DUPLICATE_DOMAIN,
 * *domain is the domain given twice.
 */
static enum gtid_result gtid_normalize(const char *text, char **out, uint64_t *domain)
{
	uint64_t domains[64];
	size_t ndomains = 0;
	size_t n = 0;
	const char *p = text;
	uint64_t server, seq;
	enum gtid_result rc = GTID_INVALID;
	char *norm = malloc(strlen(text) + 1);

	*out = NULL;
	if (norm == NULL) {
		return GTID_INVALID;
	}
	for (;;) {
		const char *start;

		while (*p == ' ') {
			p++;
		}
		start = p;
		if (!parse_uint(&p, UINT32_MAX, domain) || *p++ != '-' ||
		    !parse_uint(&p, UINT32_MAX, &server) || *p++ != '-' ||
		    !parse_uint(&p, UINT64_MAX, &seq) || ndomains == 64) {
			goto bad;
		}
		for (size_t i = 0; i < ndomains; i++) {
			if (domains[i] == *domain) {
				rc = GTID_DUPLICATE_DOMAIN;
				goto bad;
			}
		}
		domains[ndomains++] = *domain;
		memcpy(norm + n, start, (size_t)(p - start));
		n += (size_t)(p - start);
		while (*p == ' ') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		if (*p++ != ',') {
			goto bad;
		}
		norm[n++] = ',';
	}
	norm[n] = '\0';
	*out = norm;
	return GTID_OK;
bad:
	free(norm);
	return rc;
}

/* source.start: "current", "earliest", a GTID list, or { file; pos; }. */
static int parse_start(struct loader *ld, const config_setting_t *group)
{
	static const char *const keys[] = { "file", "pos", NULL };
	struct source_config *src = &ld->conf->source;
	const config_setting_t *s = config_setting_get_member(group, "start");
	const char *text;
	int64_t pos = 4;
	uint64_t domain;

	if (s == NULL) {
		return 0;
	}
	if (config_setting_is_group(s)) {
		if (check_keys(ld, s, "source.start", keys) != 0 ||
		    get_string(ld, s, "source.start", "file", true, &src->start_file) != 0 ||
		    get_int(ld, s, "source.start", "pos", 4, INT64_MAX, &pos) != 0) {
			return -1;
		}
		src->start = START_POSITION;
		src->start_pos = (uint64_t)pos;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		return fail(ld, s, "source.start: expected a string or a group "
		                   "{ file = \"...\"; pos = N; }");
	}
	text = config_setting_get_string(s);
	if (strcmp(text, "current") == 0) {
		src->start = START_CURRENT;
	} else if (strcmp(text, "earliest") == 0) {
		src->start = START_EARLIEST;
	} else {
		free(src->start_gtid);
		switch (gtid_normalize(text, &src->start_gtid, &domain)) {
		case GTID_OK:
			break;
		case GTID_DUPLICATE_DOMAIN:
			return fail(ld, s, "source.start: \"%s\" gives two positions for GTID domain "
			                   "%llu", text, (unsigned long long)domain);
		case GTID_INVALID:
			return fail(ld, s, "source.start: \"%s\" is not \"current\", \"earliest\", "
			                   "a MariaDB GTID list such as \"0-1-100\", or "
			                   "{ file = \"...\"; pos = N; }", text);
		}
		src->start = START_GTID;
	}
	return 0;
}

/* source.password_file / password_env (source.password is refused). */
static int parse_password(struct loader *ld, const config_setting_t *group)
{
	struct source_config *src = &ld->conf->source;
	const config_setting_t *pw = config_setting_get_member(group, "password");
	const config_setting_t *pf = config_setting_get_member(group, "password_file");
	const config_setting_t *pe = config_setting_get_member(group, "password_env");
	const char *name;
	const char *value;
	size_t len;
	int e;

	if (pw != NULL) {
		return fail(ld, pw, "source.password: passwords are not accepted in configuration "
		                    "files (they end up in backups and version control); use "
		                    "password_file or password_env");
	}
	if (pf != NULL && pe != NULL) {
		return fail(ld, pe, "source: set password_file or password_env, not both");
	}
	if (pf != NULL) {
		if (want_string(ld, pf, "source.password_file", &name) != 0) {
			return -1;
		}
		e = slurp(name, MAX_PASSWORD_BYTES, &src->password, &len);
		if (e != 0) {
			return fail(ld, pf, "source.password_file: cannot read '%s': %s", name,
			            strerror(e));
		}
		if (strlen(src->password) != len) {
			return fail(ld, pf, "source.password_file: '%s' contains a NUL byte", name);
		}
		if (len > 0 && src->password[len - 1] == '\n') {
			src->password[--len] = '\0';
			if (len > 0 && src->password[len - 1] == '\r') {
				src->password[--len] = '\0';
			}
		}
	}
	if (pe != NULL) {
		if (want_string(ld, pe, "source.password_env", &name) != 0) {
			return -1;
		}
		value = getenv(name);
		if (value == NULL) {
			return fail(ld, pe, "source.password_env: environment variable %s is not set",
			            name);
		}
		return set_string(ld, &src->password, value);
	}
	return 0;
}

static int parse_source(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = {
		"host", "port", "socket", "user", "password_file", "password_env", "password",
		"server_id", "start", "heartbeat_ms", "connect_timeout_ms", NULL,
	};
	struct source_config *src = &ld->conf->source;
	int64_t port = src->port;

	if (want_group(ld, s, "source") != 0 || check_keys(ld, s, "source", keys) != 0 ||
	    set_where(ld, &src->where, s) != 0 ||
	    get_string(ld, s, "source", "host", false, &src->host) != 0 ||
	    get_int(ld, s, "source", "port", 1, 65535, &port) != 0 ||
	    get_string(ld, s, "source", "socket", false, &src->socket) != 0 ||
	    get_string(ld, s, "source", "user", false, &src->user) != 0 ||
	    parse_password(ld, s) != 0 ||
	    get_u32(ld, s, "source", "server_id", 1, UINT32_MAX, &src->server_id) != 0 ||
	    parse_start(ld, s) != 0 ||
	    get_u32(ld, s, "source", "heartbeat_ms", 0, 3600000, &src->heartbeat_ms) != 0 ||
	    get_u32(ld, s, "source", "connect_timeout_ms", 1, 3600000,
	            &src->connect_timeout_ms) != 0) {
		return -1;
	}
	src->port = (int)port;
	src->present = true;
	return 0;
}

/* ---- checkpoint, log, metrics, plugin_dir ------------------------------- */

static int parse_checkpoint(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "path", "interval_ms", NULL };
	struct checkpoint_config *cp = &ld->conf->checkpoint;

	if (want_group(ld, s, "checkpoint") != 0 || check_keys(ld, s, "checkpoint", keys) != 0 ||
	    get_string(ld, s, "checkpoint", "path", false, &cp->path) != 0 ||
	    get_u32(ld, s, "checkpoint", "interval_ms", 0, 3600000, &cp->interval_ms) != 0) {
		return -1;
	}
	return 0;
}

static int parse_log(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "level", "target", "format", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	static const char *const targets[] = { "stderr", "syslog", NULL };
	static const char *const formats[] = { "text", "json", NULL };
	struct log_config *log = &ld->conf->log;
	int level = (int)log->level;
	int target = log->syslog;
	int format = log->json;

	if (want_group(ld, s, "log") != 0 || check_keys(ld, s, "log", keys) != 0 ||
	    get_choice(ld, s, "log", "level", levels,
	               "\"error\", \"warn\", \"info\", \"debug\"", &level) != 0 ||
	    get_choice(ld, s, "log", "target", targets, "\"stderr\", \"syslog\"", &target) != 0 ||
	    get_choice(ld, s, "log", "format", formats, "\"text\", \"json\"", &format) != 0) {
		return -1;
	}
	log->level = (enum meepo_log_level)level;
	log->syslog = target == 1;
	log->json = format == 1;
	return 0;
}

/* True if text is "host:port" ("[v6]:port" allowed) with a port of 1..65535. */
static bool listen_ok(const char *text)
{
	const char *colon = strrchr(text, ':');
	const char *p;
	uint64_t port;

	if (colon == NULL || colon == text) {
		return false;
	}
	p = colon + 1;
	if (!parse_uint(&p, 65535, &port) || *p != '\0' || port == 0) {
		return false;
	}
	if (text[0] == '[') {
		return colon[-1] == ']' && colon - text > 2;
	}
	return memchr(text, ':', (size_t)(colon - text)) == NULL;
}

static int parse_metrics(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "listen", "stuck_ms", NULL };
	struct metrics_config *m = &ld->conf->metrics;

	if (want_group(ld, s, "metrics") != 0 || check_keys(ld, s, "metrics", keys) != 0 ||
	    get_string(ld, s, "metrics", "listen", false, &m->listen) != 0 ||
	    get_u32(ld, s, "metrics", "stuck_ms", 1, 86400000, &m->stuck_ms) != 0) {
		return -1;
	}
	if (m->listen != NULL && !listen_ok(m->listen)) {
		return fail(ld, config_setting_get_member(s, "listen"),
		            "metrics.listen: \"%s\" is not \"host:port\" (e.g. \"127.0.0.1:9104\")",
		            m->listen);
	}
	return 0;
}

static int parse_shutdown_timeout(struct loader *ld, const config_setting_t *s)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		return fail(ld, s, "shutdown_timeout_ms: expected an integer");
	}
	v = config_setting_get_int64(s);
	if (v < 0 || v > 3600000) {
		return fail(ld, s, "shutdown_timeout_ms: %lld is out of range (0..3600000)", v);
	}
	ld->conf->shutdown_timeout_ms = (uint32_t)v;
	return 0;
}

static int parse_plugin_dir(struct loader *ld, const config_setting_t *s)
{
	const char *value;

	if (want_string(ld, s, "plugin_dir", &value) != 0) {
		return -1;
	}
	return set_string(ld, &ld->conf->plugin_dir, value);
}

/* ---- sinks --------------------------------------------------------------- */

/* Makes room for one more element in *array (of `size`-byte elements). */
static int grow(struct loader *ld, void **array, size_t *cap, size_t used, size_t size)
{
	size_t ncap = *cap == 0 ? 4 : *cap * 2;
	void *p;

	if (used < *cap) {
		return 0;
	}
	p = realloc(*array, ncap * size);
	if (p == NULL) {
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
	*array = p;
	*cap = ncap;
	return 0;
}

/* Requires s to be a list of groups; `label` names it. */
static int want_list(struct loader *ld, const config_setting_t *s, const char *label,
                     const char *example)
{
	if (!config_setting_is_list(s)) {
		return fail(ld, s, "%s: expected a list of groups: %s", label, example);
	}
	return 0;
}

/* Checks sink `sk`'s name and plugin (label "sinks[i]"). */
static int parse_sink_names(struct loader *ld, const config_setting_t *s, const char *label,
                            struct sink_config *sk)
{
	struct meepo_conf *conf = ld->conf;

	if (get_string(ld, s, label, "name", true, &sk->name) != 0 ||
	    get_string(ld, s, label, "plugin", true, &sk->plugin) != 0) {
		return -1;
	}
	if (strlen(sk->name) > 64 || !name_ok(sk->name, true, "_-")) {
		return fail(ld, config_setting_get_member(s, "name"),
		            "%s.name: \"%s\" is not a valid sink name (1 to 64 of A-Z a-z 0-9 _ -)",
		            label, sk->name);
	}
	if (strlen(sk->plugin) > 64 || !name_ok(sk->plugin, false, "_-")) {
		return fail(ld, config_setting_get_member(s, "plugin"),
		            "%s.plugin: \"%s\" is not a valid plugin name (1 to 64 of a-z 0-9 _ -)",
		            label, sk->plugin);
	}
	for (size_t i = 0; i + 1 < conf->nsinks; i++) {
		if (strcmp(conf->sinks[i].name, sk->name) == 0) {
			return fail(ld, config_setting_get_member(s, "name"),
			            "%s.name: duplicate sink name '%s' (first at %s)", label, sk->name,
			            conf->sinks[i].where);
		}
	}
	return 0;
}

/* One element of a `sinks` list. */
static int parse_sink(struct loader *ld, const config_setting_t *s, size_t index)
{
	struct meepo_conf *conf = ld->conf;
	struct sink_config *sk;
	char label[32];
	int64_t queue = 64 << 20;

	snprintf(label, sizeof(label), "sinks[%zu]", index);
	if (!config_setting_is_group(s)) {
		return fail(ld, s, "%s: expected a group { name = \"...\"; plugin = \"...\"; }", label);
	}
	if (conf->nsinks == MAX_SINKS) {
		return fail(ld, s, "%s: too many sinks (at most %d)", label, MAX_SINKS);
	}
	if (grow(ld, (void **)&conf->sinks, &ld->sinks_cap, conf->nsinks, sizeof(*sk)) != 0) {
		return -1;
	}
	sk = &conf->sinks[conf->nsinks++];
	sk->setting = s;
	sk->batch_max_events = SINK_DEFAULT_BATCH_MAX_EVENTS;
	sk->retry_initial_ms = 100;
	sk->retry_max_ms = 30000;
	if (set_where(ld, &sk->where, s) != 0 || parse_sink_names(ld, s, label, sk) != 0 ||
	    get_int(ld, s, label, "queue_max_bytes", 1024, INT64_C(1) << 40, &queue) != 0 ||
	    get_u32(ld, s, label, "batch_max_events", 1, 1000000, &sk->batch_max_events) != 0 ||
	    get_u32(ld, s, label, "retry_initial_ms", 1, 3600000, &sk->retry_initial_ms) != 0 ||
	    get_u32(ld, s, label, "retry_max_ms", 1, 86400000, &sk->retry_max_ms) != 0 ||
	    get_u32(ld, s, label, "retry_limit", 0, UINT32_MAX, &sk->retry_limit) != 0 ||
	    get_string(ld, s, label, "deadletter", false, &sk->deadletter) != 0) {
		return -1;
	}
	sk->queue_max_bytes = (uint64_t)queue;
	if (sk->retry_max_ms < sk->retry_initial_ms) {
		return fail(ld, s, "%s: retry_max_ms (%u) is below retry_initial_ms (%u)", label,
		            sk->retry_max_ms, sk->retry_initial_ms);
	}
	if (sk->deadletter == NULL &&
	    asprintf(&sk->deadletter, "%s.deadletter.jsonl", sk->name) < 0) {
		sk->deadletter = NULL;
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int parse_sinks(struct loader *ld, const config_setting_t *s)
{
	if (want_list(ld, s, "sinks",
	              "sinks = ( { name = \"...\"; plugin = \"...\"; } );") != 0) {
		return -1;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		if (parse_sink(ld, config_setting_get_elem(s, (unsigned)i), (size_t)i) != 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- routes -------------------------------------------------------------- */

/*
 * Calls each(ld, element, what, ctx) for setting m: a string, or each
 * element of a non-empty list or array of strings. `what` names m.
 */
static int for_each_string(struct loader *ld, const config_setting_t *m, const char *what,
                           int (*each)(struct loader *, const config_setting_t *,
                                       const char *, void *),
                           void *ctx)
{
	const char *value;

	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		return want_string(ld, m, what, &value) != 0 ? -1 : each(ld, m, what, ctx);
	}
	if (!config_setting_is_list(m) && !config_setting_is_array(m)) {
		return fail(ld, m, "%s: expected a string or a list of strings", what);
	}
	if (config_setting_length(m) == 0) {
		return fail(ld, m, "%s: empty list", what);
	}
	for (int i = 0; i < config_setting_length(m); i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);

		if (want_string(ld, e, what, &value) != 0 || each(ld, e, what, ctx) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Appends one validated pattern to the route (ctx). */
static int add_pattern(struct loader *ld, const config_setting_t *e, const char *what,
                       void *ctx)
{
	struct route_config *route = ctx;
	const char *pattern = config_setting_get_string(e);
	char msg[512];
	char *schema;
	char *table;
	char **match;

	if (route_pattern_split(pattern, &schema, &table, msg, sizeof(msg)) != 0) {
		return fail(ld, e, "%s: %s", what, msg);
	}
	free(schema);
	free(table);
	match = realloc(route->match, (route->nmatch + 1) * sizeof(*match));
	if (match == NULL) {
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	route->match = match;
	route->match[route->nmatch] = NULL;
	if (set_string(ld, &route->match[route->nmatch], pattern) != 0) {
		return -1;
	}
	route->nmatch++;
	return 0;
}

/* ORs one action into the route's mask (ctx). */
static int add_action(struct loader *ld, const config_setting_t *e, const char *what,
                      void *ctx)
{
	static const char *const names[] = { "write", "update", "delete", "insert", NULL };
	unsigned *actions = ctx;
	const char *name = config_setting_get_string(e);
	int i = list_index(names, name);

	if (i < 0) {
		return fail(ld, e, "%s: unknown action \"%s\" (expected \"write\", \"update\" or "
		                   "\"delete\"; \"insert\" means \"write\")", what, name);
	}
	*actions |= ACTION_BIT(i == 3 ? MEEPO_WRITE : i);
	return 0;
}

/* One element of a `routes` list. */
static int parse_route(struct loader *ld, const config_setting_t *s, size_t index)
{
	static const char *const keys[] = { "match", "actions", "sink", "on_reject", NULL };
	static const char *const rejects[] = { "deadletter", "stop", NULL };
	struct meepo_conf *conf = ld->conf;
	struct route_config *route;
	const config_setting_t *m;
	const char *value;
	char label[32];
	char what[64];
	int on_reject = ON_REJECT_DEADLETTER;

	snprintf(label, sizeof(label), "routes[%zu]", index);
	if (!config_setting_is_group(s)) {
		return fail(ld, s, "%s: expected a group { match = ...; sink = \"...\"; }", label);
	}
	if (grow(ld, (void **)&conf->routes, &ld->routes_cap, conf->nroutes, sizeof(*route)) != 0 ||
	    grow(ld, (void **)&ld->pending, &ld->pending_cap, conf->nroutes,
	         sizeof(*ld->pending)) != 0) {
		return -1;
	}
	route = &conf->routes[conf->nroutes++];
	if (set_where(ld, &route->where, s) != 0 || check_keys(ld, s, label, keys) != 0) {
		return -1;
	}
	m = require(ld, s, label, "match");
	snprintf(what, sizeof(what), "%s.match", label);
	if (m == NULL || for_each_string(ld, m, what, add_pattern, route) != 0) {
		return -1;
	}
	m = config_setting_get_member(s, "actions");
	snprintf(what, sizeof(what), "%s.actions", label);
	if (m != NULL && for_each_string(ld, m, what, add_action, &route->actions) != 0) {
		return -1;
	}
	if (m == NULL) {
		route->actions = ACTIONS_ALL;
	}
	m = require(ld, s, label, "sink");
	snprintf(what, sizeof(what), "%s.sink", label);
	if (m == NULL || want_string(ld, m, what, &value) != 0 ||
	    get_choice(ld, s, label, "on_reject", rejects, "\"deadletter\", \"stop\"",
	               &on_reject) != 0) {
		return -1;
	}
	route->on_reject = (enum on_reject)on_reject;
	ld->pending[conf->nroutes - 1].sink = m;
	ld->pending[conf->nroutes - 1].index = index;
	return 0;
}

static int parse_routes(struct loader *ld, const config_setting_t *s)
{
	if (want_list(ld, s, "routes", "routes = ( { match = \"*.*\"; sink = \"...\"; } );") != 0) {
		return -1;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		if (parse_route(ld, config_setting_get_elem(s, (unsigned)i), (size_t)i) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Points every route at its sink, once all files are read. */
static int resolve_route_sinks(struct loader *ld)
{
	struct meepo_conf *conf = ld->conf;
	char names[256];
	size_t used = 0;

	for (size_t i = 0; i < conf->nroutes; i++) {
		const char *want = config_setting_get_string(ld->pending[i].sink);
		size_t j;

		for (j = 0; j < conf->nsinks && strcmp(conf->sinks[j].name, want) != 0; j++) {
		}
		if (j < conf->nsinks) {
			conf->routes[i].sink = j;
			continue;
		}
		names[0] = '\0';
		for (j = 0; j < conf->nsinks && used < sizeof(names); j++) {
			int n = snprintf(names + used, sizeof(names) - used, "%s%s", j > 0 ? ", " : "",
			                 conf->sinks[j].name);

			used += n > 0 ? (size_t)n : 0;
		}
		return fail(ld, ld->pending[i].sink, "routes[%zu].sink: no sink named '%s' (sinks: %s)",
		            ld->pending[i].index, want, names);
	}
	return 0;
}

/* ---- files ------------------------------------------------------------- */

/* The top-level keys; all but sinks and routes may appear once across all files. */
static const struct section {
	const char *name;                                           /* top-level key */
	int (*parse)(struct loader *ld, const config_setting_t *s); /* its parser */
} sections[] = {
	{ "source", parse_source },
	{ "checkpoint", parse_checkpoint },
	{ "log", parse_log },
	{ "metrics", parse_metrics },
	{ "plugin_dir", parse_plugin_dir },
	{ "shutdown_timeout_ms", parse_shutdown_timeout },
	{ "sinks", parse_sinks },
	{ "routes", parse_routes },
};

/* True if c is one of the characters of set (never for NUL). */
static bool in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/*
 * Scans one integer literal at text[i] (a sign or digit); returns the index
 * after it, or 0 after writing an error if libconfig 1.5 would silently
 * truncate it (an int literal outside the 32-bit range, without L).
 */
static size_t lint_number(struct loader *ld, const char *file, unsigned line,
                          const char *text, size_t i)
{
	size_t start = i;
	bool hex;
	long long v;
	char *end;

	if (text[i] == '-' || text[i] == '+') {
		i++;
	}
	hex = text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X');
	i += hex ? 2 : 0;
	while (hex ? isxdigit((unsigned char)text[i]) : isdigit((unsigned char)text[i])) {
		i++;
	}
	if (!hex && in_set(text[i], ".eE")) {
		while (in_set(text[i], "0123456789.eE+-")) {
			i++;
		}
		return i;
	}
	if (text[i] == 'L') {
		return i + 1;
	}
	errno = 0;
	v = strtoll(text + start, &end, hex ? 16 : 10);
	if (errno == ERANGE || v > INT_MAX || v < INT_MIN) {
		snprintf(ld->err, ld->errlen,
		         "%s:%u: integer %.*s does not fit in 32 bits: write %.*sL for a 64-bit "
		         "integer", file, line, (int)(i - start), text + start, (int)(i - start),
		         text + start);
		return 0;
	}
	return i;
}

/*
 * Checks the text of a file that libconfig accepted: no @include, no
 * integer literal that libconfig 1.5 would truncate. A small scanner that
 * skips comments (#, //, slash-star) and strings.
 */
static int lint_file(struct loader *ld, const char *file, const char *text, size_t len)
{
	unsigned line = 1;
	size_t i = 0;

	while (i < len) {
		char c = text[i];

		if (c == '\n') {
			line++;
			i++;
		} else if (c == '#' || (c == '/' && text[i + 1] == '/')) {
			while (i < len && text[i] != '\n') {
				i++;
			}
		} else if (c == '/' && text[i + 1] == '*') {
			for (i += 2; i < len && !(text[i] == '*' && text[i + 1] == '/'); i++) {
				line += text[i] == '\n';
			}
			i += 2;
		} else if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++) {
				i += text[i] == '\\' && i + 1 < len;
				line += text[i] == '\n';
			}
			i++;
		} else if (c == '@') {
			snprintf(ld->err, ld->errlen, "%s:%u: @include is not supported: put the file "
			                              "in the configuration directory", file, line);
			return -1;
		} else if (isalpha((unsigned char)c) || c == '*') {
			while (isalnum((unsigned char)text[i]) || in_set(text[i], "-_*")) {
				i++;
			}
		} else if (isdigit((unsigned char)c) ||
		           ((c == '-' || c == '+') && isdigit((unsigned char)text[i + 1]))) {
			i = lint_number(ld, file, line, text, i);
			if (i == 0) {
				return -1;
			}
		} else {
			i++;
		}
	}
	return 0;
}

/* Parses one file into cf and applies its top-level keys. */
static int load_file(struct loader *ld, const char *file, config_t *cf)
{
	const config_setting_t *root;
	char *text = NULL;
	size_t len;
	int rc = -1;
	int e;

	e = slurp(file, MAX_CONF_FILE_BYTES, &text, &len);
	if (e != 0) {
		snprintf(ld->err, ld->errlen, "%s: cannot read: %s", file, strerror(e));
		goto out;
	}
	if (!config_read_file(cf, file)) {
		snprintf(ld->err, ld->errlen, "%s:%d: %s",
		         config_error_file(cf) != NULL ? config_error_file(cf) : file,
		         config_error_line(cf), config_error_text(cf));
		goto out;
	}
	if (lint_file(ld, file, text, len) != 0) {
		goto out;
	}
	root = config_root_setting(cf);
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		size_t k;

		for (k = 0; k < sizeof(sections) / sizeof(sections[0]) &&
		            strcmp(sections[k].name, config_setting_name(s)) != 0; k++) {
		}
		if (k == sizeof(sections) / sizeof(sections[0])) {
			fail(ld, s, "unknown key '%s'", config_setting_name(s));
			goto out;
		}
		if (k < sizeof(ld->seen) / sizeof(ld->seen[0])) {
			if (ld->seen[k] != NULL) {
				fail(ld, s, "duplicate section '%s' (first at %s:%u)", sections[k].name,
				     config_setting_source_file(ld->seen[k]),
				     config_setting_source_line(ld->seen[k]));
				goto out;
			}
			ld->seen[k] = s;
		}
		if (sections[k].parse(ld, s) != 0) {
			goto out;
		}
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* scandir() filter: visible *.conf names. */
static int conf_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/*
 * Lists the files to read: `path` itself, or the regular *.conf files of
 * the directory in lexical order. Returns the count (>= 1) or -1.
 */
static int list_files(struct loader *ld, char ***files)
{
	struct dirent **ents = NULL;
	struct stat st;
	const char *sep;
	int n = 0;
	int count = -1;

	*files = NULL;
	if (stat(ld->path, &st) != 0) {
		snprintf(ld->err, ld->errlen, "%s: %s", ld->path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*files = calloc(2, sizeof(**files));
		if (*files == NULL) {
			snprintf(ld->err, ld->errlen, "out of memory");
			return -1;
		}
		return set_string(ld, &(*files)[0], ld->path) == 0 ? 1 : -1;
	}
	n = scandir(ld->path, &ents, conf_name, alphasort);
	if (n < 0) {
		snprintf(ld->err, ld->errlen, "%s: %s", ld->path, strerror(errno));
		n = 0;
		goto out;
	}
	*files = calloc((size_t)n + 1, sizeof(**files));
	if (*files == NULL) {
		snprintf(ld->err, ld->errlen, "out of memory");
		goto out;
	}
	sep = ld->path[strlen(ld->path) - 1] == '/' ? "" : "/";
	count = 0;
	for (int i = 0; i < n; i++) {
		char *file;

		if (asprintf(&file, "%s%s%s", ld->path, sep, ents[i]->d_name) < 0) {
			snprintf(ld->err, ld->errlen, "out of memory");
			count = -1;
			goto out;
		}
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(file);
			continue;
		}
		(*files)[count++] = file;
	}
	if (count == 0) {
		snprintf(ld->err, ld->errlen, "%s: no *.conf files in this directory", ld->path);
		count = -1;
	}
out:
	for (int i = 0; i < n; i++) {
		free(ents[i]);
	}
	free(ents);
	return count;
}

/* Frees a NULL-terminated list from list_files(). */
static void free_files(char **files)
{
	for (size_t i = 0; files != NULL && files[i] != NULL; i++) {
		free(files[i]);
	}
	free(files);
}

/* Fills in the defaults that conf_load() does not take from a file. */
static int set_defaults(struct loader *ld)
{
	struct meepo_conf *conf = ld->conf;

	if ((conf->source.host == NULL && set_string(ld, &conf->source.host, "127.0.0.1") != 0) ||
	    (conf->source.user == NULL && set_string(ld, &conf->source.user, "meepo") != 0)) {
		return -1;
	}
	return 0;
}

int conf_load(const char *path, struct meepo_conf *out, char *err, size_t errlen)
{
	struct loader ld = { .conf = out, .path = path, .err = err, .errlen = errlen };
	char **files = NULL;
	int nfiles;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->source.port = 3306;
	out->source.server_id = 4242;
	out->source.start = START_CURRENT;
	out->source.start_pos = 4;
	out->source.heartbeat_ms = 5000;
	out->source.connect_timeout_ms = 10000;
	out->checkpoint.interval_ms = 1000;
	out->metrics.stuck_ms = 60000;
	out->shutdown_timeout_ms = 30000;
	out->log.level = MEEPO_LOG_INFO;
	nfiles = list_files(&ld, &files);
	if (nfiles < 0) {
		goto out;
	}
	out->files = calloc((size_t)nfiles, sizeof(*out->files));
	if (out->files == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < nfiles; i++) {
		config_init(&out->files[i]);
		out->nfiles = (size_t)i + 1;
		if (load_file(&ld, files[i], &out->files[i]) != 0) {
			goto out;
		}
	}
	if (out->nsinks == 0) {
		snprintf(err, errlen, "%s: no sinks configured", path);
		goto out;
	}
	if (out->nroutes == 0) {
		snprintf(err, errlen, "%s: no routes configured", path);
		goto out;
	}
	if (resolve_route_sinks(&ld) != 0 || set_defaults(&ld) != 0) {
		goto out;
	}
	rc = 0;
out:
	free(ld.pending);
	free_files(files);
	if (rc != 0) {
		conf_free(out);
	}
	return rc;
}

/* Overwrites and frees a secret. */
static void free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void conf_free(struct meepo_conf *conf)
{
	free(conf->source.where);
	free(conf->source.host);
	free(conf->source.socket);
	free(conf->source.user);
	free_secret(conf->source.password);
	free(conf->source.start_file);
	free(conf->source.start_gtid);
	free(conf->checkpoint.path);
	free(conf->metrics.listen);
	free(conf->plugin_dir);
	for (size_t i = 0; i < conf->nsinks; i++) {
		free(conf->sinks[i].name);
		free(conf->sinks[i].plugin);
		free(conf->sinks[i].where);
		free(conf->sinks[i].deadletter);
	}
	free(conf->sinks);
	for (size_t i = 0; i < conf->nroutes; i++) {
		free(conf->routes[i].where);
		for (size_t j = 0; j < conf->routes[i].nmatch; j++) {
			free(conf->routes[i].match[j]);
		}
		free(conf->routes[i].match);
	}
	free(conf->routes);
	for (size_t i = 0; i < conf->nfiles; i++) {
		config_destroy(&conf->files[i]);
	}
	free(conf->files);
	memset(conf, 0, sizeof(*conf));
}
