/*
 * plugins/redis/redis.c - the redis sink: cache purge, pub/sub
 * notifications, a durable event stream, or hashes mirroring rows.
 *
 * The options are checked and compiled once into an immutable struct
 * redis_sink; redis_format.c turns each batch into commands, which deliver()
 * pipelines over one hiredis connection (all appended, then every reply
 * read and checked in order). A connection or timeout error frees the
 * connection and asks the core to RETRY: the next deliver() connects again
 * (AUTH, SELECT), so a broken context is never reused. An error reply
 * REJECTs the batch, with the reply text as the reason, unless the reply
 * says the server is temporarily unable (LOADING, BUSY, OOM, READONLY...):
 * then the batch is retried on a new connection. Events that cannot be
 * formatted (see redis_format.h) REJECT the batch too, after every other
 * command of it was sent.
 *
 * hiredis 0.14 (Debian 12) has no TLS support: `tls = true` is refused by
 * check().
 *
 * Concurrency: check() and create() run on the main thread; deliver() only
 * on the instance's worker thread, which alone owns the connection and the
 * command buffers; destroy() after the worker has stopped. No global state.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <meepo/sink.h>

#include "redis_format.h"


/* One sink instance. */
struct redis_sink {
	const char *name;           /* instance name, for log lines */
	const char *host;           /* TCP host, when unix_path is NULL */
	int port;                   /* TCP port */
	const char *unix_path;      /* unix socket path, or NULL for TCP */
	int64_t db;                 /* database to SELECT, 0 = none needed */
	const char *username;       /* ACL user for AUTH, or NULL */
	char *password;             /* AUTH password, or NULL; wiped on destroy */
	struct timeval timeout;     /* connect, read and write timeout */
	char endpoint[512];         /* "host:port" or "unix:path", for messages */
	struct redis_format format; /* mode and compiled templates */
	struct redis_cmds cmds;     /* worker: the commands of the current batch */
	redisContext *ctx;          /* worker: the connection, NULL when down */
};

static const struct meepo_option redis_options[] = {
	{ "host", MEEPO_OPT_STRING, "127.0.0.1", "Redis server host name or address", 0 },
	{ "port", MEEPO_OPT_INT, "6379", "Redis server TCP port", 0 },
	{ "unix", MEEPO_OPT_STRING, NULL, "unix socket path of the server, instead of host and port", 0 },
	{ "db", MEEPO_OPT_INT, "0", "database number to SELECT", 0 },
	{ "username", MEEPO_OPT_STRING, NULL, "ACL user for AUTH (Redis 6+), needs a password", 0 },
	{ "password_file", MEEPO_OPT_PATH, NULL, "file holding the AUTH password (one trailing newline ignored)", 0 },
	{ "password_env", MEEPO_OPT_STRING, NULL, "environment variable holding the AUTH password", 0 },
	{ "tls", MEEPO_OPT_BOOL, "false", "TLS; this build's hiredis (0.14) has none, so only false is accepted", 0 },
	{ "timeout_ms", MEEPO_OPT_INT, "5000", "connect, read and write timeout in milliseconds", 0 },
	{ "mode", MEEPO_OPT_STRING, NULL, "purge, publish, stream or hash", MEEPO_OPT_REQUIRED },
	{ "keys", MEEPO_OPT_LIST, NULL, "purge: key templates deleted over the before and after images", 0 },
	{ "channel", MEEPO_OPT_STRING, "{schema}.{table}", "publish: channel template", 0 },
	{ "stream", MEEPO_OPT_STRING, "meepo:{schema}.{table}", "stream: stream key template", 0 },
	{ "maxlen", MEEPO_OPT_INT, "0", "stream: approximate trimming (XADD MAXLEN ~ n), 0 = none", 0 },
	{ "key", MEEPO_OPT_STRING, NULL, "hash: key template of the hash mirroring a row", 0 },
	{ "unlink", MEEPO_OPT_BOOL, "false", "purge, hash: UNLINK instead of DEL", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Bit of a mode in mode_options[].modes. */
#define MODE_BIT(m) (1u << (m))

/* Options that only some modes use; setting one for another mode is an error. */
static const struct {
	const char *name;   /* option */
	unsigned modes;     /* MODE_BITs of the modes that use it */
	const char *which;  /* those modes, for the message */
} mode_options[] = {
	{ "keys", MODE_BIT(REDIS_MODE_PURGE), "purge" },
	{ "channel", MODE_BIT(REDIS_MODE_PUBLISH), "publish" },
	{ "stream", MODE_BIT(REDIS_MODE_STREAM), "stream" },
	{ "maxlen", MODE_BIT(REDIS_MODE_STREAM), "stream" },
	{ "key", MODE_BIT(REDIS_MODE_HASH), "hash" },
	{ "unlink", MODE_BIT(REDIS_MODE_PURGE) | MODE_BIT(REDIS_MODE_HASH), "purge and hash" },
};

/* Error replies that mean "not now" rather than "never": RETRY them. */
static const char *const transient_errors[] = {
	"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "OOM",
	"CLUSTERDOWN", "NOREPLICAS", "NOAUTH", "NOPERM",
};

/* ---- options ----------------------------------------------------------- */

/* Reads `mode`. Returns 0, or -1 with a message. */
static int config_mode(const struct meepo_config *cfg, enum redis_mode *mode,
                       char *err, size_t errlen)
{
	const char *text = meepo_config_string(cfg, "mode");

	if (text == NULL || redis_mode_parse(text, mode) != 0) {
		snprintf(err, errlen, "%s: mode must be \"purge\", \"publish\", \"stream\" or \"hash\", not \"%s\"",
		         meepo_config_where(cfg, "mode"), text != NULL ? text : "");
		return -1;
	}
	return 0;
}

/* Compiles the templates of the configured mode into `format`. Returns 0 or -1. */
static int config_format(const struct meepo_config *cfg, enum redis_mode mode,
                         struct redis_format *format, char *err, size_t errlen)
{
	static const char *const option_of[] = { "keys", "channel", "stream", "key" };
	const char *option = option_of[mode];
	const char **texts = NULL;
	const char *one = NULL;
	char why[768];
	size_t count = 1;
	size_t i;
	int rc = -1;

	if (mode == REDIS_MODE_PURGE) {
		count = meepo_config_list_size(cfg, option);
		texts = calloc(count > 0 ? count : 1, sizeof(*texts));
		if (texts == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (i = 0; i < count; i++) {
			texts[i] = meepo_config_list_item(cfg, option, i);
		}
	} else {
		one = meepo_config_string(cfg, option);
		count = one != NULL ? 1 : 0;
	}
	if (count == 0) {
		snprintf(err, errlen, "%s: mode %s needs %s", meepo_config_where(cfg, option),
		         redis_mode_name(mode), option);
		goto out;
	}
	if (redis_format_init(format, mode, texts != NULL ? texts : &one, count,
	                      meepo_config_int(cfg, "maxlen"), meepo_config_bool(cfg, "unlink"),
	                      why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s: %s", meepo_config_where(cfg, option), option, why);
		goto out;
	}
	rc = 0;
out:
	free(texts);
	return rc;
}

/* Checks that an INT option lies in [min, max]. Returns 0, or -1 with a message. */
static int config_range(const struct meepo_config *cfg, const char *option, int64_t min,
                        int64_t max, char *err, size_t errlen)
{
	int64_t v = meepo_config_int(cfg, option);

	if (v < min || v > max) {
		snprintf(err, errlen, "%s: %s must be between %" PRId64 " and %" PRId64 ", not %" PRId64,
		         meepo_config_where(cfg, option), option, min, max, v);
		return -1;
	}
	return 0;
}

/* Checks the options that do not depend on the mode. Returns 0 or -1. */
static int check_connection(const struct meepo_config *cfg, char *err, size_t errlen)
{
	bool has_password = meepo_config_is_set(cfg, "password_file") ||
	                    meepo_config_is_set(cfg, "password_env");

	if (meepo_config_bool(cfg, "tls")) {
		snprintf(err, errlen, "%s: tls = true is not supported: this build's hiredis (0.14) has no TLS; "
		         "use a unix socket or a TLS tunnel (stunnel, spiped) on the Redis host",
		         meepo_config_where(cfg, "tls"));
		return -1;
	}
	if (meepo_config_is_set(cfg, "unix") &&
	    (meepo_config_is_set(cfg, "host") || meepo_config_is_set(cfg, "port"))) {
		snprintf(err, errlen, "%s: set either unix or host and port, not both",
		         meepo_config_where(cfg, "unix"));
		return -1;
	}
	if (meepo_config_is_set(cfg, "password_file") && meepo_config_is_set(cfg, "password_env")) {
		snprintf(err, errlen, "%s: set either password_file or password_env, not both",
		         meepo_config_where(cfg, "password_env"));
		return -1;
	}
	if (meepo_config_is_set(cfg, "username") && !has_password) {
		snprintf(err, errlen, "%s: username needs password_file or password_env",
		         meepo_config_where(cfg, "username"));
		return -1;
	}
	if (config_range(cfg, "port", 1, 65535, err, errlen) != 0 ||
	    config_range(cfg, "db", 0, INT_MAX, err, errlen) != 0 ||
	    config_range(cfg, "timeout_ms", 1, 3600000, err, errlen) != 0 ||
	    config_range(cfg, "maxlen", 0, INT64_MAX, err, errlen) != 0) {
		return -1;
	}
	return 0;
}

static int redis_check(const struct meepo_config *cfg, char *err, size_t errlen)
{
	struct redis_format format;
	enum redis_mode mode;
	size_t i;

	if (config_mode(cfg, &mode, err, errlen) != 0) {
		return -1;
	}
	for (i = 0; i < sizeof(mode_options) / sizeof(mode_options[0]); i++) {
		if (meepo_config_is_set(cfg, mode_options[i].name) &&
		    (mode_options[i].modes & MODE_BIT(mode)) == 0) {
			snprintf(err, errlen, "%s: %s is an option of mode %s, not of mode %s",
			         meepo_config_where(cfg, mode_options[i].name), mode_options[i].name,
			         mode_options[i].which, redis_mode_name(mode));
			return -1;
		}
	}
	if (check_connection(cfg, err, errlen) != 0 ||
	    config_format(cfg, mode, &format, err, errlen) != 0) {
		return -1;
	}
	redis_format_free(&format);
	return 0;
}

/* ---- the password ------------------------------------------------------ */

/* ---- the connection ---------------------------------------------------- */

/* Frees the connection; the next deliver() opens a new one. */
static void conn_close(struct redis_sink *sink)
{
	if (sink->ctx != NULL) {
		redisFree(sink->ctx);
		sink->ctx = NULL;
	}
}

/*
 * Runs one command on the fresh connection. `what` names it in messages
 * (never the arguments: AUTH carries the password). Returns 0, or -1 with
 * a message.
 */
static int conn_command(struct redis_sink *sink, const char *what, int argc, const char **argv,
                        char *err, size_t errlen)
{
	redisReply *reply;
	int rc = -1;

	reply = redisCommandArgv(sink->ctx, argc, argv, NULL);
	if (reply == NULL) {
		snprintf(err, errlen, "redis %s: %s failed: %s", sink->endpoint, what, sink->ctx->errstr);
		goto out;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "redis %s: %s failed: %s", sink->endpoint, what, reply->str);
		goto out;
	}
	rc = 0;
out:
	if (reply != NULL) {
		freeReplyObject(reply);
	}
	return rc;
}

/*
 * Connects, authenticates, selects the database and checks the server
 * answers. Returns 0, or -1 with a message.
 */
static int conn_open(struct redis_sink *sink, char *err, size_t errlen)
{
	const char *argv[3];
	char db[24];
	int rc = -1;

	if (sink->unix_path != NULL) {
		sink->ctx = redisConnectUnixWithTimeout(sink->unix_path, sink->timeout);
	} else {
		sink->ctx = redisConnectWithTimeout(sink->host, sink->port, sink->timeout);
	}
	if (sink->ctx == NULL) {
		snprintf(err, errlen, "redis %s: out of memory", sink->endpoint);
		goto out;
	}
	if (sink->ctx->err != 0) {
		snprintf(err, errlen, "redis %s: cannot connect: %s", sink->endpoint, sink->ctx->errstr);
		goto out;
	}
	if (redisSetTimeout(sink->ctx, sink->timeout) != REDIS_OK ||
	    (sink->unix_path == NULL && redisEnableKeepAlive(sink->ctx) != REDIS_OK)) {
		snprintf(err, errlen, "redis %s: cannot set socket options: %s", sink->endpoint,
		         sink->ctx->errstr);
		goto out;
	}
	if (sink->password != NULL) {
		argv[0] = "AUTH";
		argv[1] = sink->username != NULL ? sink->username : sink->password;
		argv[2] = sink->password;
		if (conn_command(sink, "AUTH", sink->username != NULL ? 3 : 2, argv, err, errlen) != 0) {
			goto out;
		}
	}
	if (sink->db != 0) {
		snprintf(db, sizeof(db), "%" PRId64, sink->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (conn_command(sink, "SELECT", 2, argv, err, errlen) != 0) {
			goto out;
		}
	}
	/* the server answers commands: a missing password (NOAUTH) shows here */
	argv[0] = "PING";
	if (conn_command(sink, "PING", 1, argv, err, errlen) != 0) {
		goto out;
	}
	meepo_sink_log(MEEPO_LOG_INFO, "redis", sink->name, "connected to %s, db %" PRId64 ", mode %s",
	               sink->endpoint, sink->db, redis_mode_name(sink->format.mode));
	rc = 0;
out:
	if (rc != 0) {
		conn_close(sink);
	}
	return rc;
}

/* ---- the instance ------------------------------------------------------ */

static void redis_destroy(void *instance)
{
	struct redis_sink *sink = instance;

	if (sink == NULL) {
		return;
	}
	conn_close(sink);
	redis_format_free(&sink->format);
	redis_cmds_free(&sink->cmds);
	if (sink->password != NULL) {
		meepo_secret_free(sink->password);
	}
	free(sink);
}

static int redis_create(const struct meepo_config *cfg, void **instance, char *err, size_t errlen)
{
	struct redis_sink *sink;
	enum redis_mode mode;
	int64_t timeout_ms = meepo_config_int(cfg, "timeout_ms");
	int rc = -1;

	sink = calloc(1, sizeof(*sink));
	if (sink == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sink->name = meepo_config_instance(cfg);
	sink->host = meepo_config_string(cfg, "host");
	sink->port = (int)meepo_config_int(cfg, "port");
	sink->unix_path = meepo_config_string(cfg, "unix");
	sink->db = meepo_config_int(cfg, "db");
	sink->username = meepo_config_string(cfg, "username");
	sink->timeout.tv_sec = (time_t)(timeout_ms / 1000);
	sink->timeout.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if (sink->unix_path != NULL) {
		snprintf(sink->endpoint, sizeof(sink->endpoint), "unix:%s", sink->unix_path);
	} else {
		snprintf(sink->endpoint, sizeof(sink->endpoint), "%s:%d", sink->host, sink->port);
	}
	if (config_mode(cfg, &mode, err, errlen) != 0 ||
	    config_format(cfg, mode, &sink->format, err, errlen) != 0 ||
	    meepo_config_secret(cfg, "password_file", "password_env", &sink->password, err,
	                        errlen) != 0 ||
	    conn_open(sink, err, errlen) != 0) {
		goto out;
	}
	*instance = sink;
	rc = 0;
out:
	if (rc != 0) {
		redis_destroy(sink);
	}
	return rc;
}

/* ---- delivery ---------------------------------------------------------- */

/* True if an error reply means the server cannot serve us right now. */
static bool transient_error(const char *text)
{
	size_t i;
	size_t n;

	for (i = 0; i < sizeof(transient_errors) / sizeof(transient_errors[0]); i++) {
		n = strlen(transient_errors[i]);
		if (strncmp(text, transient_errors[i], n) == 0 && (text[n] == ' ' || text[n] == '\0')) {
			return true;
		}
	}
	return false;
}

/* Writes "<command> <first argument>: <reply>" to the report. */
static void report_reply(struct redis_sink *sink, size_t i, const char *reply,
                         struct meepo_report *report)
{
	const char **argv;
	const size_t *argvlen;
	int argc;

	redis_cmds_get(&sink->cmds, i, &argc, &argv, &argvlen);
	snprintf(report->reason, sizeof(report->reason), "redis %s: %.*s %.*s: %s", sink->endpoint,
	         (int)argvlen[0], argv[0], argc > 1 ? (int)(argvlen[1] > 200 ? 200 : argvlen[1]) : 0,
	         argc > 1 ? argv[1] : "", reply);
}

static enum meepo_result redis_deliver(void *instance, const struct meepo_batch *batch,
                                       struct meepo_report *report)
{
	struct redis_sink *sink = instance;
	enum meepo_result result = MEEPO_RETRY;
	redisReply *reply = NULL;
	const char **argv;
	const size_t *argvlen;
	char problem[768];
	size_t count;
	size_t bad;
	size_t i;
	int argc;

	bad = redis_format_batch(&sink->format, batch, &sink->cmds, problem, sizeof(problem));
	count = redis_cmds_count(&sink->cmds);
	if (count > 0 && sink->ctx == NULL &&
	    conn_open(sink, report->reason, sizeof(report->reason)) != 0) {
		goto out;
	}
	for (i = 0; i < count; i++) {
		redis_cmds_get(&sink->cmds, i, &argc, &argv, &argvlen);
		if (redisAppendCommandArgv(sink->ctx, argc, argv, argvlen) != REDIS_OK) {
			goto broken;
		}
	}
	result = MEEPO_OK;
	for (i = 0; i < count; i++) {
		if (redisGetReply(sink->ctx, (void **)&reply) != REDIS_OK) {
			goto broken;
		}
		if (reply->type == REDIS_REPLY_ERROR && result == MEEPO_OK) {
			report_reply(sink, i, reply->str, report);
			result = transient_error(reply->str) ? MEEPO_RETRY : MEEPO_REJECT;
		}
		freeReplyObject(reply);
		reply = NULL;
	}
	if (result == MEEPO_RETRY) {
		conn_close(sink);
	} else if (result == MEEPO_OK && bad > 0) {
		snprintf(report->reason, sizeof(report->reason),
		         "%zu event(s) could not be formatted, every other command was sent: %s",
		         bad, problem);
		result = MEEPO_REJECT;
	}
	goto out;
broken:
	snprintf(report->reason, sizeof(report->reason), "redis %s: connection lost: %s",
	         sink->endpoint, sink->ctx->errstr);
	result = MEEPO_RETRY;
	conn_close(sink);
out:
	return result;
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER,
	"redis",
	"1.0",
	"Redis: purge keys, publish events, append to streams or mirror rows into hashes",
	redis_options,
	redis_check,
	redis_create,
	redis_deliver,
	redis_destroy,
};
