/*
 * meepo/sink.h - the sink plugin ABI.
 *
 * A sink is a shared object that exports one `const struct meepo_sink`
 * under the symbol MEEPO_SINK_SYMBOL. The core reads abi_version and
 * struct_size before anything else and refuses a plugin built against an
 * incompatible ABI.
 *
 * ABI rule: fields are only ever appended. An incompatible change bumps
 * MEEPO_SINK_ABI_VERSION; a compatible append keeps the version and the core
 * reads an appended field only when struct_size shows the plugin has it.
 *
 * Threading contract:
 *  - check() and create() run on the main thread, before any event flows.
 *  - deliver() runs on the sink instance's own worker thread, never
 *    concurrently with itself or destroy() for the same instance; different
 *    instances of one plugin run on different threads at once, so a plugin
 *    keeps no mutable global state.
 *  - destroy() runs on the main thread after the worker has stopped.
 *
 * Typical plugin (see docs/writing-a-sink.md):
 *
 *     static const struct meepo_option options[] = {
 *         { "path", MEEPO_OPT_STRING, "-", "file to append to", 0 },
 *         { NULL }
 *     };
 *     MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
 *         MEEPO_SINK_HEADER, "file", "1.0", "append events as JSON lines",
 *         options, file_check, file_create, file_deliver, file_destroy,
 *     };
 */
#ifndef MEEPO_SINK_H
#define MEEPO_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/api.h>
#include <meepo/event.h>
#include <meepo/sdk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEEPO_SINK_ABI_VERSION 1u
#define MEEPO_SINK_SYMBOL "meepo_sink"
#define MEEPO_SINK_EXPORT __attribute__((visibility("default")))
/* The first two fields of every descriptor. */
#define MEEPO_SINK_HEADER MEEPO_SINK_ABI_VERSION, (uint32_t)sizeof(struct meepo_sink)

/* Outcome of one deliver() call. */
enum meepo_result {
	MEEPO_OK = 0,       /* durably handed off: the core acknowledges the batch */
	MEEPO_RETRY = 1,    /* transient failure: the core backs off and redelivers */
	MEEPO_REJECT = 2,   /* can never succeed: dead letter or stop, per route */
};

/* Type of one configuration option. */
enum meepo_option_type {
	MEEPO_OPT_STRING = 0,   /* a string */
	MEEPO_OPT_INT = 1,      /* an integer (64-bit) */
	MEEPO_OPT_BOOL = 2,     /* true or false */
	MEEPO_OPT_LIST = 3,     /* a list (or array) of strings */
	MEEPO_OPT_PATH = 4,     /* a string naming a file that must be readable */
};

/* Option flags. */
#define MEEPO_OPT_REQUIRED 0x1u /* the option must be set; default is ignored */
#define MEEPO_OPT_SECRET 0x2u   /* never printed (passwords, tokens) */

/* One option a sink accepts; a table of them ends with a NULL name. */
struct meepo_option {
	const char *name;               /* key in the sink's config block */
	enum meepo_option_type type;    /* value type, checked by the core */
	const char *default_value;      /* text form ("100", "true", "a,b"), NULL = unset */
	const char *help;               /* one line for --help-sink */
	unsigned flags;                 /* MEEPO_OPT_* flags */
};

/*
 * A sink instance's validated configuration, owned by the core and valid
 * until destroy() returns. Only options from the plugin's table can be
 * looked up; asking for another name aborts (a plugin bug).
 */
struct meepo_config;

/* Returns the instance name (the sink's `name` in the configuration). */
MEEPO_API const char *meepo_config_instance(const struct meepo_config *cfg);
/* True if the option was given in the configuration (not defaulted). */
MEEPO_API bool meepo_config_is_set(const struct meepo_config *cfg, const char *option);
/* Returns a STRING/PATH option, or NULL when unset without default. */
MEEPO_API const char *meepo_config_string(const struct meepo_config *cfg, const char *option);
/* Returns an INT option (0 when unset without default). */
MEEPO_API int64_t meepo_config_int(const struct meepo_config *cfg, const char *option);
/* Returns a BOOL option (false when unset without default). */
MEEPO_API bool meepo_config_bool(const struct meepo_config *cfg, const char *option);
/* Returns the number of items of a LIST option. */
MEEPO_API size_t meepo_config_list_size(const struct meepo_config *cfg, const char *option);
/* Returns item i of a LIST option. */
MEEPO_API const char *meepo_config_list_item(const struct meepo_config *cfg, const char *option, size_t i);
/* Returns "file:line" of the option (or of the sink block), for messages. */
MEEPO_API const char *meepo_config_where(const struct meepo_config *cfg, const char *option);

/*
 * Reads a secret the way meepo reads its own: the contents of the file
 * named by PATH option `file_option` (at most 4096 bytes, one trailing
 * newline dropped) if it is set, else the environment variable named by
 * STRING option `env_option` (may be NULL). Returns 0 with *secret
 * malloc'd, or NULL when neither option is set; -1 with "file:line: ..."
 * in err if the file is unreadable or empty or the variable unset or
 * empty. Free the secret with meepo_secret_free().
 */
MEEPO_API int meepo_config_secret(const struct meepo_config *cfg, const char *file_option,
                                  const char *env_option, char **secret, char *err,
                                  size_t errlen);

/* Zeroes and frees a secret from meepo_config_secret(); NULL is allowed. */
MEEPO_API void meepo_secret_free(char *secret);

/* What deliver() may report besides its result. */
struct meepo_report {
	char reason[1024];          /* why RETRY/REJECT; written to logs and dead letters */
	uint32_t retry_after_ms;    /* RETRY: wait at least this long (0 = core's back-off) */
};

/* The descriptor a plugin exports as MEEPO_SINK_SYMBOL. */
struct meepo_sink {
	uint32_t abi_version;           /* MEEPO_SINK_ABI_VERSION */
	uint32_t struct_size;           /* sizeof(struct meepo_sink) */
	const char *name;               /* plugin name, as in `plugin = "..."` */
	const char *version;            /* plugin version, logged at load */
	const char *description;        /* one line for --help-sink */
	const struct meepo_option *options; /* option table, NULL-name terminated */

	/*
	 * Optional. Validates the options beyond their types without connecting
	 * (templates parse, URLs have an allowed scheme). Returns 0, or -1 with
	 * a message in err. Called by `meepo --check` and before create().
	 */
	int (*check)(const struct meepo_config *cfg, char *err, size_t errlen);

	/*
	 * Creates an instance: parse options, connect or fail. On success
	 * returns 0 and stores the instance in *instance (owned by the plugin
	 * until destroy()). On failure returns -1 with a message in err.
	 */
	int (*create)(const struct meepo_config *cfg, void **instance, char *err, size_t errlen);

	/*
	 * Hands a batch to the destination: whole transactions in binlog order
	 * (a huge transaction may be split across batches). The batch and its
	 * events are valid only during the call. On RETRY the core calls again
	 * with the same batch after a back-off; on REJECT it dead-letters or
	 * stops, per the route. `report` is zeroed before each call.
	 */
	enum meepo_result (*deliver)(void *instance, const struct meepo_batch *batch,
	                             struct meepo_report *report);

	/* Frees the instance and everything it holds. */
	void (*destroy)(void *instance);
};

#ifdef __cplusplus
}
#endif

#endif /* MEEPO_SINK_H */
