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

#include "config_loader.h"
#include "router.h"
#include "sdk/secret.h"

const char *const sink_core_keys[] = {
	"name", "plugin", "queue_max_bytes", "batch_max_events", "retry_initial_ms",
	"retry_max_ms", "retry_limit", "deadletter", NULL,
};


/* ---- checkpoint, log, metrics, plugin_dir ------------------------------- */

static int parse_checkpoint(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "path", "interval_ms", NULL };
	struct checkpoint_config *cp = &ld->conf->checkpoint;

	if (conf_want_group(ld, s, "checkpoint") != 0 || conf_check_keys(ld, s, "checkpoint", keys) != 0 ||
	    conf_get_string(ld, s, "checkpoint", "path", false, &cp->path) != 0 ||
	    conf_get_u32(ld, s, "checkpoint", "interval_ms", 0, 3600000, &cp->interval_ms) != 0) {
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

	if (conf_want_group(ld, s, "log") != 0 || conf_check_keys(ld, s, "log", keys) != 0 ||
	    conf_get_choice(ld, s, "log", "level", levels,
	               "\"error\", \"warn\", \"info\", \"debug\"", &level) != 0 ||
	    conf_get_choice(ld, s, "log", "target", targets, "\"stderr\", \"syslog\"", &target) != 0 ||
	    conf_get_choice(ld, s, "log", "format", formats, "\"text\", \"json\"", &format) != 0) {
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
	if (!conf_parse_uint(&p, 65535, &port) || *p != '\0' || port == 0) {
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

	if (conf_want_group(ld, s, "metrics") != 0 || conf_check_keys(ld, s, "metrics", keys) != 0 ||
	    conf_get_string(ld, s, "metrics", "listen", false, &m->listen) != 0 ||
	    conf_get_u32(ld, s, "metrics", "stuck_ms", 1, 86400000, &m->stuck_ms) != 0) {
		return -1;
	}
	if (m->listen != NULL && !listen_ok(m->listen)) {
		return conf_fail(ld, config_setting_get_member(s, "listen"),
		            "metrics.listen: \"%s\" is not \"host:port\" (e.g. \"127.0.0.1:9104\")",
		            m->listen);
	}
	return 0;
}

static int parse_shutdown_timeout(struct loader *ld, const config_setting_t *s)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		return conf_fail(ld, s, "shutdown_timeout_ms: expected an integer");
	}
	v = config_setting_get_int64(s);
	if (v < 0 || v > 3600000) {
		return conf_fail(ld, s, "shutdown_timeout_ms: %lld is out of range (0..3600000)", v);
	}
	ld->conf->shutdown_timeout_ms = (uint32_t)v;
	return 0;
}

static int parse_plugin_dir(struct loader *ld, const config_setting_t *s)
{
	const char *value;

	if (conf_want_string(ld, s, "plugin_dir", &value) != 0) {
		return -1;
	}
	return conf_set_string(ld, &ld->conf->plugin_dir, value);
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
		return conf_fail(ld, s, "%s: expected a list of groups: %s", label, example);
	}
	return 0;
}

/* Checks sink `sk`'s name and plugin (label "sinks[i]"). */
static int parse_sink_names(struct loader *ld, const config_setting_t *s, const char *label,
                            struct sink_config *sk)
{
	struct meepo_conf *conf = ld->conf;

	if (conf_get_string(ld, s, label, "name", true, &sk->name) != 0 ||
	    conf_get_string(ld, s, label, "plugin", true, &sk->plugin) != 0) {
		return -1;
	}
	if (strlen(sk->name) > 64 || !conf_name_ok(sk->name, true, "_-")) {
		return conf_fail(ld, config_setting_get_member(s, "name"),
		            "%s.name: \"%s\" is not a valid sink name (1 to 64 of A-Z a-z 0-9 _ -)",
		            label, sk->name);
	}
	if (strlen(sk->plugin) > 64 || !conf_name_ok(sk->plugin, false, "_-")) {
		return conf_fail(ld, config_setting_get_member(s, "plugin"),
		            "%s.plugin: \"%s\" is not a valid plugin name (1 to 64 of a-z 0-9 _ -)",
		            label, sk->plugin);
	}
	for (size_t i = 0; i + 1 < conf->nsinks; i++) {
		if (strcmp(conf->sinks[i].name, sk->name) == 0) {
			return conf_fail(ld, config_setting_get_member(s, "name"),
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
	int64_t queue = SINK_DEFAULT_QUEUE_MAX_BYTES;

	snprintf(label, sizeof(label), "sinks[%zu]", index);
	if (!config_setting_is_group(s)) {
		return conf_fail(ld, s, "%s: expected a group { name = \"...\"; plugin = \"...\"; }", label);
	}
	if (conf->nsinks == MAX_SINKS) {
		return conf_fail(ld, s, "%s: too many sinks (at most %d)", label, MAX_SINKS);
	}
	if (grow(ld, (void **)&conf->sinks, &ld->sinks_cap, conf->nsinks, sizeof(*sk)) != 0) {
		return -1;
	}
	sk = &conf->sinks[conf->nsinks++];
	sk->setting = s;
	sk->batch_max_events = SINK_DEFAULT_BATCH_MAX_EVENTS;
	sk->retry_initial_ms = 100;
	sk->retry_max_ms = 30000;
	if (conf_set_where(ld, &sk->where, s) != 0 || parse_sink_names(ld, s, label, sk) != 0 ||
	    conf_get_int(ld, s, label, "queue_max_bytes", 1024, INT64_C(1) << 40, &queue) != 0 ||
	    conf_get_u32(ld, s, label, "batch_max_events", 1, 1000000, &sk->batch_max_events) != 0 ||
	    conf_get_u32(ld, s, label, "retry_initial_ms", 1, 3600000, &sk->retry_initial_ms) != 0 ||
	    conf_get_u32(ld, s, label, "retry_max_ms", 1, 86400000, &sk->retry_max_ms) != 0 ||
	    conf_get_u32(ld, s, label, "retry_limit", 0, UINT32_MAX, &sk->retry_limit) != 0 ||
	    conf_get_string(ld, s, label, "deadletter", false, &sk->deadletter) != 0) {
		return -1;
	}
	sk->queue_max_bytes = (uint64_t)queue;
	if (sk->retry_max_ms < sk->retry_initial_ms) {
		return conf_fail(ld, s, "%s: retry_max_ms (%u) is below retry_initial_ms (%u)", label,
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
		return conf_want_string(ld, m, what, &value) != 0 ? -1 : each(ld, m, what, ctx);
	}
	if (!config_setting_is_list(m) && !config_setting_is_array(m)) {
		return conf_fail(ld, m, "%s: expected a string or a list of strings", what);
	}
	if (config_setting_length(m) == 0) {
		return conf_fail(ld, m, "%s: empty list", what);
	}
	for (int i = 0; i < config_setting_length(m); i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);

		if (conf_want_string(ld, e, what, &value) != 0 || each(ld, e, what, ctx) != 0) {
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
		return conf_fail(ld, e, "%s: %s", what, msg);
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
	if (conf_set_string(ld, &route->match[route->nmatch], pattern) != 0) {
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
	int i = conf_list_index(names, name);

	if (i < 0) {
		return conf_fail(ld, e, "%s: unknown action \"%s\" (expected \"write\", \"update\" or "
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
		return conf_fail(ld, s, "%s: expected a group { match = ...; sink = \"...\"; }", label);
	}
	if (grow(ld, (void **)&conf->routes, &ld->routes_cap, conf->nroutes, sizeof(*route)) != 0 ||
	    grow(ld, (void **)&ld->pending, &ld->pending_cap, conf->nroutes,
	         sizeof(*ld->pending)) != 0) {
		return -1;
	}
	route = &conf->routes[conf->nroutes++];
	if (conf_set_where(ld, &route->where, s) != 0 || conf_check_keys(ld, s, label, keys) != 0) {
		return -1;
	}
	m = conf_require(ld, s, label, "match");
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
	m = conf_require(ld, s, label, "sink");
	snprintf(what, sizeof(what), "%s.sink", label);
	if (m == NULL || conf_want_string(ld, m, what, &value) != 0 ||
	    conf_get_choice(ld, s, label, "on_reject", rejects, "\"deadletter\", \"stop\"",
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
		return conf_fail(ld, ld->pending[i].sink, "routes[%zu].sink: no sink named '%s' (sinks: %s)",
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
	{ "source", conf_parse_source },
	{ "checkpoint", parse_checkpoint },
	{ "log", parse_log },
	{ "metrics", parse_metrics },
	{ "plugin_dir", parse_plugin_dir },
	{ "shutdown_timeout_ms", parse_shutdown_timeout },
	{ "sinks", parse_sinks },
	{ "routes", parse_routes },
};

/* True if c is one of the characters of set (never for NUL). */

static int load_file(struct loader *ld, const char *file, config_t *cf)
{
	const config_setting_t *root;
	char *text = NULL;
	size_t len;
	int rc = -1;
	int e;

	e = sdk_read_file(file, MAX_CONF_FILE_BYTES, &text, &len);
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
	if (conf_lint_file(ld, file, text, len) != 0) {
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
			conf_fail(ld, s, "unknown key '%s'", config_setting_name(s));
			goto out;
		}
		if (k < sizeof(ld->seen) / sizeof(ld->seen[0])) {
			if (ld->seen[k] != NULL) {
				conf_fail(ld, s, "duplicate section '%s' (first at %s:%u)", sections[k].name,
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
		return conf_set_string(ld, &(*files)[0], ld->path) == 0 ? 1 : -1;
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

	if ((conf->source.host == NULL && conf_set_string(ld, &conf->source.host, "127.0.0.1") != 0) ||
	    (conf->source.user == NULL && conf_set_string(ld, &conf->source.user, "meepo") != 0)) {
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
void conf_free(struct meepo_conf *conf)
{
	free(conf->source.where);
	free(conf->source.host);
	free(conf->source.socket);
	free(conf->source.user);
	secret_free(conf->source.password);
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
