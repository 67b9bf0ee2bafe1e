/*
 * core/options.c - a sink's config block checked against its plugin's
 * option table, and the meepo_config_* accessors plugins read it with.
 *
 * sink_options_build() walks the block's keys in file order: a key of the
 * option table is type-checked and stored; a core sink key (sink_core_keys,
 * already checked by conf_load()) is skipped; anything else is an error.
 * Then required options must be set and the rest take their defaults,
 * parsed from the table's text form. A plugin may declare an option named
 * like a core key (the webhook's batch_max_events: events per request): it
 * then reads the same value the core uses.
 *
 * The accessors abort() when a plugin asks for an option its table does not
 * declare, or with the wrong type: that is a bug in the plugin, caught the
 * first time the code runs, never a configuration error.
 *
 * Concurrency: built on the main thread; read-only afterwards, so any
 * thread may call the accessors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "options.h"

/* The value of one option of the table. */
struct option_value {
	const struct meepo_option *option;  /* its table entry */
	bool set;                           /* given in the configuration */
	char *where;                        /* "file:line" of the key, NULL when not set */
	char *string;                       /* STRING, PATH: the value, NULL if none */
	int64_t integer;                    /* INT: the value */
	bool boolean;                       /* BOOL: the value */
	char **items;                       /* LIST: nitems strings */
	size_t nitems;                      /* LIST: number of items */
};

struct meepo_config {
	char *instance;                 /* the sink's name */
	char *plugin;                   /* the plugin's name, for messages */
	char *where;                    /* "file:line" of the sink block */
	struct option_value *values;    /* one per table entry, in table order */
	size_t count;                   /* number of table entries */
};

/* Type names for messages and help. */
static const char *const type_names[] = { "string", "integer", "boolean", "list", "path" };

/* What a value of each type looks like, for "expected ..." messages. */
static const char *const type_expected[] = {
	"a string", "an integer", "true or false", "a list of strings", "a string (a file path)",
};

static int fail(const struct meepo_config *cfg, const char *where, char *err, size_t errlen,
                const char *fmt, ...) MEEPO_PRINTF(5, 6);

/* Writes "where: sink 'x' (plugin y): message" into err; returns -1. */
static int fail(const struct meepo_config *cfg, const char *where, char *err, size_t errlen,
                const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: sink '%s' (plugin %s): ", where, cfg->instance,
	             cfg->plugin);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Frees the value's storage (not the option pointer). */
static void value_clear(struct option_value *v)
{
	free(v->where);
	free(v->string);
	for (size_t i = 0; i < v->nitems; i++) {
		free(v->items[i]);
	}
	free(v->items);
	v->where = NULL;
	v->string = NULL;
	v->items = NULL;
	v->nitems = 0;
}

/* Appends a copy of the n bytes at s to the value's list. Returns 0 or -1. */
static int list_append(struct option_value *v, const char *s, size_t n)
{
	char **items = realloc(v->items, (v->nitems + 1) * sizeof(*items));

	if (items == NULL) {
		return -1;
	}
	v->items = items;
	v->items[v->nitems] = strndup(s, n);
	if (v->items[v->nitems] == NULL) {
		return -1;
	}
	v->nitems++;
	return 0;
}

/*
 * Parses a default's text form into v: "100", "true"/"false", "a,b" for a
 * list (items trimmed of spaces; "" is the empty list). Returns 0, or -1 if
 * the text does not fit the type (or memory runs out).
 */
static int parse_default(struct option_value *v, const char *text)
{
	const char *p = text;
	char *end;

	switch (v->option->type) {
	case MEEPO_OPT_STRING:
	case MEEPO_OPT_PATH:
		v->string = strdup(text);
		return v->string != NULL ? 0 : -1;
	case MEEPO_OPT_INT:
		errno = 0;
		v->integer = strtoll(text, &end, 10);
		return errno == 0 && end != text && *end == '\0' ? 0 : -1;
	case MEEPO_OPT_BOOL:
		v->boolean = strcmp(text, "true") == 0;
		return v->boolean || strcmp(text, "false") == 0 ? 0 : -1;
	case MEEPO_OPT_LIST:
		while (*p != '\0') {
			const char *comma = strchr(p, ',');
			const char *stop = comma != NULL ? comma : p + strlen(p);
			const char *last = stop;

			while (*p == ' ') {
				p++;
			}
			while (last > p && last[-1] == ' ') {
				last--;
			}
			if (list_append(v, p, (size_t)(last - p)) != 0) {
				return -1;
			}
			p = comma != NULL ? comma + 1 : stop;
		}
		return 0;
	}
	return -1;
}

/* True if the setting is a string. */
static bool is_string(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_STRING;
}

/* Checks that path names a readable file; returns 0 or an errno value. */
static int path_error(const char *path)
{
	struct stat st;

	if (access(path, R_OK) != 0) {
		return errno;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		return EISDIR;
	}
	return 0;
}

/* Stores the configured setting s into v after checking its type. */
static int parse_setting(const struct meepo_config *cfg, struct option_value *v,
                         const config_setting_t *s, char *err, size_t errlen)
{
	const struct meepo_option *opt = v->option;
	int type = config_setting_type(s);
	int e;

	v->set = true;
	if (asprintf(&v->where, "%s:%u", config_setting_source_file(s),
	             config_setting_source_line(s)) < 0) {
		v->where = NULL;
		return fail(cfg, cfg->where, err, errlen, "out of memory");
	}
	switch (opt->type) {
	case MEEPO_OPT_STRING:
	case MEEPO_OPT_PATH:
		if (!is_string(s)) {
			break;
		}
		v->string = strdup(config_setting_get_string(s));
		if (v->string == NULL) {
			return fail(cfg, v->where, err, errlen, "out of memory");
		}
		if (opt->type == MEEPO_OPT_STRING) {
			return 0;
		}
		if (v->string[0] == '\0') {
			return fail(cfg, v->where, err, errlen, "option '%s': must not be empty",
			            opt->name);
		}
		e = path_error(v->string);
		if (e != 0) {
			return fail(cfg, v->where, err, errlen, "option '%s': cannot read '%s': %s",
			            opt->name, v->string, strerror(e));
		}
		return 0;
	case MEEPO_OPT_INT:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
			break;
		}
		v->integer = config_setting_get_int64(s);
		return 0;
	case MEEPO_OPT_BOOL:
		if (type != CONFIG_TYPE_BOOL) {
			break;
		}
		v->boolean = config_setting_get_bool(s) != 0;
		return 0;
	case MEEPO_OPT_LIST:
		if (is_string(s)) {
			const char *one = config_setting_get_string(s);

			return list_append(v, one, strlen(one)) == 0
			           ? 0 : fail(cfg, v->where, err, errlen, "out of memory");
		}
		if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
			break;
		}
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *item = config_setting_get_elem(s, (unsigned)i);
			const char *text;

			if (!is_string(item)) {
				return fail(cfg, v->where, err, errlen, "option '%s': expected %s",
				            opt->name, type_expected[opt->type]);
			}
			text = config_setting_get_string(item);
			if (list_append(v, text, strlen(text)) != 0) {
				return fail(cfg, v->where, err, errlen, "out of memory");
			}
		}
		return 0;
	}
	return fail(cfg, v->where, err, errlen, "option '%s': expected %s", opt->name,
	            type_expected[opt->type]);
}

/* Returns the value of option `name`, or NULL if the table has none. */
static struct option_value *lookup(const struct meepo_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->count; i++) {
		if (strcmp(cfg->values[i].option->name, name) == 0) {
			return &cfg->values[i];
		}
	}
	return NULL;
}

/* True if name is one of sink_core_keys. */
static bool is_core_key(const char *name)
{
	for (size_t i = 0; sink_core_keys[i] != NULL; i++) {
		if (strcmp(sink_core_keys[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/* Applies the block's keys, then required checks and defaults. */
static int fill(struct meepo_config *cfg, const config_setting_t *block, char *err,
                size_t errlen)
{
	for (int i = 0; block != NULL && i < config_setting_length(block); i++) {
		const config_setting_t *s = config_setting_get_elem(block, (unsigned)i);
		struct option_value *v = lookup(cfg, config_setting_name(s));

		if (v != NULL) {
			if (parse_setting(cfg, v, s, err, errlen) != 0) {
				return -1;
			}
		} else if (!is_core_key(config_setting_name(s))) {
			char where[1024];

			snprintf(where, sizeof(where), "%s:%u", config_setting_source_file(s),
			         config_setting_source_line(s));
			return fail(cfg, where, err, errlen, "unknown option '%s'",
			            config_setting_name(s));
		}
	}
	for (size_t i = 0; i < cfg->count; i++) {
		struct option_value *v = &cfg->values[i];
		const struct meepo_option *opt = v->option;

		if (v->set) {
			continue;
		}
		if (opt->flags & MEEPO_OPT_REQUIRED) {
			return fail(cfg, cfg->where, err, errlen, "missing required option '%s'",
			            opt->name);
		}
		if (opt->default_value != NULL && parse_default(v, opt->default_value) != 0) {
			return fail(cfg, cfg->where, err, errlen,
			            "option '%s': default \"%s\" is not %s (a bug in the plugin)",
			            opt->name, opt->default_value, type_expected[opt->type]);
		}
	}
	return 0;
}

struct meepo_config *sink_options_build(const struct meepo_option *table, const char *instance,
                                        const char *where, const config_setting_t *block,
                                        char *err, size_t errlen)
{
	struct meepo_config *cfg = calloc(1, sizeof(*cfg));
	struct meepo_config *result = NULL;
	const char *plugin = NULL;
	size_t n = 0;

	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		goto out;
	}
	if (block == NULL || !config_setting_lookup_string(block, "plugin", &plugin)) {
		plugin = "?";
	}
	while (table != NULL && table[n].name != NULL) {
		n++;
	}
	cfg->instance = strdup(instance);
	cfg->plugin = strdup(plugin);
	cfg->where = strdup(where);
	cfg->values = calloc(n + 1, sizeof(*cfg->values));
	if (cfg->instance == NULL || cfg->plugin == NULL || cfg->where == NULL ||
	    cfg->values == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		goto out;
	}
	cfg->count = n;
	for (size_t i = 0; i < n; i++) {
		cfg->values[i].option = &table[i];
		if ((unsigned)table[i].type > MEEPO_OPT_PATH) {
			fail(cfg, where, err, errlen, "option '%s' has an invalid type %d (a bug in "
			     "the plugin)", table[i].name, (int)table[i].type);
			goto out;
		}
	}
	if (fill(cfg, block, err, errlen) != 0) {
		goto out;
	}
	result = cfg;
	cfg = NULL;
out:
	sink_options_free(cfg);
	return result;
}

void sink_options_free(struct meepo_config *cfg)
{
	if (cfg == NULL) {
		return;
	}
	for (size_t i = 0; i < cfg->count; i++) {
		value_clear(&cfg->values[i]);
	}
	free(cfg->values);
	free(cfg->instance);
	free(cfg->plugin);
	free(cfg->where);
	free(cfg);
}

/* ---- accessors ------------------------------------------------------------ */

/*
 * Returns option `name`, aborting if the table lacks it or declares another
 * type (type < 0: any). `caller` names the accessor in the message.
 */
static const struct option_value *need(const struct meepo_config *cfg, const char *name,
                                       int type, const char *caller)
{
	const struct option_value *v = lookup(cfg, name);

	if (v == NULL) {
		fprintf(stderr, "meepo: bug in plugin %s: sink '%s' called %s(\"%s\"), an option "
		                "its option table does not declare\n", cfg->plugin, cfg->instance,
		        caller, name);
		abort();
	}
	if (type >= 0 && (int)v->option->type != type &&
	    !(type == MEEPO_OPT_STRING && v->option->type == MEEPO_OPT_PATH)) {
		fprintf(stderr, "meepo: bug in plugin %s: sink '%s' called %s(\"%s\"), but the "
		                "option is declared as a %s\n", cfg->plugin, cfg->instance,
		        caller, name, type_names[v->option->type]);
		abort();
	}
	return v;
}

const char *meepo_config_instance(const struct meepo_config *cfg)
{
	return cfg->instance;
}

bool meepo_config_is_set(const struct meepo_config *cfg, const char *option)
{
	return need(cfg, option, -1, __func__)->set;
}

const char *meepo_config_string(const struct meepo_config *cfg, const char *option)
{
	return need(cfg, option, MEEPO_OPT_STRING, __func__)->string;
}

int64_t meepo_config_int(const struct meepo_config *cfg, const char *option)
{
	return need(cfg, option, MEEPO_OPT_INT, __func__)->integer;
}

bool meepo_config_bool(const struct meepo_config *cfg, const char *option)
{
	return need(cfg, option, MEEPO_OPT_BOOL, __func__)->boolean;
}

size_t meepo_config_list_size(const struct meepo_config *cfg, const char *option)
{
	return need(cfg, option, MEEPO_OPT_LIST, __func__)->nitems;
}

const char *meepo_config_list_item(const struct meepo_config *cfg, const char *option, size_t i)
{
	const struct option_value *v = need(cfg, option, MEEPO_OPT_LIST, __func__);

	if (i >= v->nitems) {
		fprintf(stderr, "meepo: bug in plugin %s: sink '%s' asked for item %zu of option "
		                "'%s', which has %zu\n", cfg->plugin, cfg->instance, i, option,
		        v->nitems);
		abort();
	}
	return v->items[i];
}

const char *meepo_config_where(const struct meepo_config *cfg, const char *option)
{
	const struct option_value *v;

	if (option == NULL) {
		return cfg->where;
	}
	v = need(cfg, option, -1, __func__);
	return v->where != NULL ? v->where : cfg->where;
}

/* ---- help -------------------------------------------------------------------- */

/* Prints the default of opt in configuration syntax. */
static void print_default(FILE *out, const struct meepo_option *opt)
{
	struct option_value v = { .option = opt };

	if (parse_default(&v, opt->default_value) != 0) {
		fprintf(out, "\"%s\" (invalid)", opt->default_value);
	} else if (opt->type == MEEPO_OPT_INT || opt->type == MEEPO_OPT_BOOL) {
		fputs(opt->default_value, out);
	} else if (opt->type == MEEPO_OPT_LIST) {
		fputs("[", out);
		for (size_t i = 0; i < v.nitems; i++) {
			fprintf(out, "%s \"%s\"", i > 0 ? "," : "", v.items[i]);
		}
		fputs(v.nitems > 0 ? " ]" : "]", out);
	} else {
		fprintf(out, "\"%s\"", opt->default_value);
	}
	value_clear(&v);
}

void sink_options_print_help(FILE *out, const struct meepo_sink *sink)
{
	const struct meepo_option *opt = sink->options;

	fprintf(out, "sink plugin %s %s: %s\n\n", sink->name, sink->version, sink->description);
	fprintf(out, "Use it in a sink block: sinks = ( { name = \"...\"; plugin = \"%s\"; ... } );\n"
	             "Keys every sink accepts:", sink->name);
	for (size_t i = 0; sink_core_keys[i] != NULL; i++) {
		fprintf(out, "%s %s", i > 0 ? "," : "", sink_core_keys[i]);
	}
	fputs(" (see docs/configuration.md).\n\n", out);
	if (opt == NULL || opt->name == NULL) {
		fputs("This sink has no options of its own.\n", out);
		return;
	}
	fputs("Options:\n", out);
	for (; opt->name != NULL; opt++) {
		fprintf(out, "  %s (%s", opt->name, type_names[opt->type]);
		if (opt->flags & MEEPO_OPT_REQUIRED) {
			fputs(", required", out);
		} else if (opt->default_value != NULL && !(opt->flags & MEEPO_OPT_SECRET)) {
			fputs(", default ", out);
			print_default(out, opt);
		}
		if (opt->flags & MEEPO_OPT_SECRET) {
			fputs(", secret", out);
		}
		fprintf(out, ")\n      %s\n", opt->help != NULL ? opt->help : "");
	}
}
