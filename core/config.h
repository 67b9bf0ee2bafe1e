/*
 * core/config.h - meepo's configuration, read from the *.conf files of conf.d.
 *
 * conf_load() reads one file, or every *.conf of a directory in lexical
 * order, with libconfig. The sections source, checkpoint, log, metrics and
 * plugin_dir may each appear once across all files; the lists sinks and
 * routes are concatenated in file order. Every error names file:line and
 * the key; unknown keys are errors.
 *
 * A sink block's own options are not checked here (the plugin is not loaded
 * yet): the loaded plugin's option table is applied by sink_options_build()
 * (core/options.h).
 *
 * Concurrency: a struct meepo_conf is built on the main thread and read-only
 * afterwards; any thread may read it.
 */
#ifndef MEEPO_CONFIG_H
#define MEEPO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include <meepo/sdk.h>

/* Where replication starts when no checkpoint exists. */
enum start_kind {
	START_CURRENT = 0,  /* the server's current end (SHOW MASTER STATUS) */
	START_EARLIEST,     /* the oldest binlog the server still has */
	START_POSITION,     /* start_file / start_pos */
	START_GTID,         /* start_gtid (MariaDB domain-server-seq list) */
};

struct source_config {
	bool present;           /* a source section was given */
	char *where;            /* "file:line" of the section */
	char *host;             /* default "127.0.0.1" */
	int port;               /* default 3306 */
	char *socket;           /* unix socket path, NULL if unset */
	char *user;             /* default "meepo" */
	char *password;         /* read from password_file / password_env; never logged */
	uint32_t server_id;     /* replica id meepo registers as, default 4242 */
	enum start_kind start;  /* default START_CURRENT */
	char *start_file;       /* START_POSITION */
	uint64_t start_pos;     /* START_POSITION, default 4 */
	char *start_gtid;       /* START_GTID */
	uint32_t heartbeat_ms;  /* heartbeat period asked of the server, default 5000 */
	uint32_t connect_timeout_ms; /* default 10000 */
};

struct checkpoint_config {
	char *path;             /* NULL = no checkpoint (always start per source.start) */
	uint32_t interval_ms;   /* write at most this often, default 1000 */
};

struct log_config {
	enum meepo_log_level level; /* default MEEPO_LOG_INFO */
	bool syslog;                /* target = "syslog" instead of "stderr" */
	bool json;                  /* format = "json" instead of "text" */
};

struct metrics_config {
	char *listen;           /* "host:port", NULL = no endpoint */
	uint32_t stuck_ms;      /* /health fails when a sink has not progressed for this long */
};

/* What a route does with a batch its sink REJECTs. */
enum on_reject {
	ON_REJECT_DEADLETTER = 0,   /* append to the sink's dead-letter file, continue */
	ON_REJECT_STOP,             /* stop meepo with a checkpoint before the batch */
};

/* Bit per action, as in enum meepo_action. */
#define ACTION_BIT(a) (1u << (a))
#define ACTIONS_ALL (ACTION_BIT(MEEPO_WRITE) | ACTION_BIT(MEEPO_UPDATE) | ACTION_BIT(MEEPO_DELETE))

#define SINK_DEFAULT_BATCH_MAX_EVENTS 1000u
#define SINK_DEFAULT_QUEUE_MAX_BYTES (8 << 20)

struct sink_config {
	char *name;                 /* instance name, unique */
	char *plugin;               /* plugin name: loads meepo-sink-<plugin>.so */
	char *where;                /* "file:line" of the block */
	const config_setting_t *setting; /* the block, for sink_options_build() */
	uint64_t queue_max_bytes;   /* queue byte budget, default 8 MiB */
	uint32_t batch_max_events;  /* most events per deliver(), default 1000 */
	uint32_t retry_initial_ms;  /* first back-off, default 100 */
	uint32_t retry_max_ms;      /* back-off cap, default 30000 */
	uint32_t retry_limit;       /* 0 = retry forever (default) */
	char *deadletter;           /* dead-letter file, default "<name>.deadletter.jsonl" */
};

struct route_config {
	char *where;                /* "file:line" of the route */
	char **match;               /* "schema.table" glob patterns */
	size_t nmatch;
	unsigned actions;           /* ACTION_BIT mask, default ACTIONS_ALL */
	size_t sink;                /* index into meepo_conf.sinks */
	enum on_reject on_reject;   /* default ON_REJECT_DEADLETTER */
};

/* Keys a sink block may hold besides its plugin's options. */
extern const char *const sink_core_keys[];

struct meepo_conf {
	struct source_config source;
	struct checkpoint_config checkpoint;
	struct log_config log;
	struct metrics_config metrics;
	char *plugin_dir;           /* NULL = default search */
	uint32_t shutdown_timeout_ms; /* SIGTERM: how long queues may drain, default 30000 */
	struct sink_config *sinks;
	size_t nsinks;
	struct route_config *routes;
	size_t nroutes;
	config_t *files;            /* parsed libconfig files, kept for settings' lines */
	size_t nfiles;
};

/*
 * Loads `path` (a file, or a directory of *.conf files) into *out.
 * Returns 0, or -1 with "file:line: message" in err (*out is then freed).
 */
int conf_load(const char *path, struct meepo_conf *out, char *err, size_t errlen);

/* Frees everything conf_load() allocated; the struct is zeroed. */
void conf_free(struct meepo_conf *conf);

#endif /* MEEPO_CONFIG_H */
