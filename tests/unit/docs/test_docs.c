/*
 * tests/unit/docs/test_docs.c - the documentation cannot drift from the
 * code:
 *
 *  - every sink plugin built into MEEPO_PLUGIN_DIR has docs/sinks/NAME.md
 *    whose option table (the `| option | type | default | meaning |` table
 *    under "## Options") lists exactly the options of `meepo --help-sink
 *    NAME` (the built meepo prints the plugin's table), with the same
 *    type, the same "required" and the same default; every
 *    page of docs/sinks/ belongs to a built plugin; docs/configuration.md
 *    links each page;
 *  - every key the configuration loader accepts (core/config*.c: its
 *    `keys[]` arrays, sink_core_keys and the top-level `sections[]`, read
 *    from the source text) is a row of the matching `| key | ...` table of
 *    docs/configuration.md, or for a top-level key a "## key" heading, and
 *    vice versa; where the loader reads a key with conf_get_string / _int /
 *    _u32 / _choice / conf_require, the row's type says the same type,
 *    range, choices and "required"; where it gives a constant default
 *    (the getter's destination before the call, or conf_load; #defines of
 *    core/config*.h resolved), the row's default is that number.
 *
 * The loader's side is read by loader_model.c, Markdown by markdown.c.
 * Each test collects every difference and fails once, listing them all as
 * file:line: what. The checkers themselves are tested on deliberately
 * drifted input (test_checker_*), so that a passing run means something.
 *
 * Runs from MEEPO_SOURCE_ROOT (chdir in main), so paths in messages are
 * relative to the repository.
 *
 * Concurrency: single-threaded.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cscan.h"
#include "loader_model.h"
#include "markdown.h"
#include "report.h"

/* The configuration reference and the directory of per-sink pages. */
#define CONF_DOC "docs/configuration.md"
#define SINK_DOCS "docs/sinks"
#define CORE_DIR "core"

/* Fails the test with every line of the report, if there is any. */
static void report_assert_empty(struct report *r, const char *what)
{
	report_close(r);
	if (r->count > 0) {
		fprintf(stderr, "%zu difference(s) between %s:\n%s", r->count, what, r->text);
		report_free(r);
		fail_msg("the documentation has drifted from the code (see above)");
	}
	report_free(r);
}

/* Loads a Markdown file; fails the test if it cannot be read. */
static void load_doc(const char *path, struct md_doc *doc)
{
	int e = md_load(path, doc);

	if (e != 0) {
		fail_msg("%s: %s", path, strerror(e));
	}
}

/* Returns the row of table t whose first cell is `name` in backticks, or -1. */
static long find_row(const struct md_table *t, const char *name)
{
	for (size_t i = 0; i < t->nrows; i++) {
		char *code = md_code_span(t->rows[i][0]);
		bool same = code != NULL && strcmp(code, name) == 0;

		free(code);
		if (same) {
			return (long)i;
		}
	}
	return -1;
}

/* ---- sink plugins ---------------------------------------------------------- */

/* One option as `--help-sink` prints it: "  name (type[, required][, default X][, secret])". */
struct help_option {
	char *name;         /* option name */
	char *type;         /* "string", "integer", "boolean", "list", "path" */
	bool required;      /* ", required" */
	char *def;          /* what follows ", default ", or NULL */
};

/* Parses the "Options:" lines of --help-sink output. Returns the count. */
static size_t parse_help(const char *help, struct help_option **out)
{
	const char *p = strstr(help, "\nOptions:\n");
	size_t n = 0;

	*out = NULL;
	for (p = p != NULL ? p + 10 : ""; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *open = memchr(p, '(', len);
		struct help_option *o;
		char *inner;
		char *rest;

		if (len > 3 && p[0] == ' ' && p[1] == ' ' && p[2] != ' ' && open != NULL &&
		    p[len - 1] == ')') {
			*out = realloc(*out, (n + 1) * sizeof(**out));
			assert_non_null(*out);
			o = &(*out)[n++];
			memset(o, 0, sizeof(*o));
			o->name = strndup(p + 2, (size_t)(open - 1 - (p + 2)));
			inner = strndup(open + 1, (size_t)(p + len - 1 - (open + 1)));
			rest = inner + strcspn(inner, ",");
			o->type = strndup(inner, (size_t)(rest - inner));
			o->required = strncmp(rest, ", required", 10) == 0;
			if (strncmp(rest, ", default ", 10) == 0) {
				size_t dlen = strlen(rest + 10);

				if (dlen >= 8 && strcmp(rest + 10 + dlen - 8, ", secret") == 0) {
					dlen -= 8;
				}
				o->def = strndup(rest + 10, dlen);
			}
			free(inner);
		}
		p += len + (nl != NULL);
	}
	return n;
}

static void free_help(struct help_option *opts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(opts[i].name);
		free(opts[i].type);
		free(opts[i].def);
	}
	free(opts);
}

/* True if the type cell names `type` first ("list, required", "integer 1..10"). */
static bool type_matches(const char *cell, const char *type)
{
	size_t n = strlen(type);

	return strncmp(cell, type, n) == 0 && strchr(" ,", cell[n]) != NULL;
}

/* Checks one option row of a sink page against the help line. */
static void check_sink_row(const struct md_table *t, size_t row, const struct help_option *o,
                           const char *path, struct report *r)
{
	const char *type = t->rows[row][1];
	const char *def = t->rows[row][2];
	unsigned line = t->row_lines[row];
	char *code = md_code_span(def);

	if (!type_matches(type, o->type)) {
		report(r, "%s:%u: option '%s': type \"%s\", but the plugin declares %s", path, line,
		       o->name, type, o->type);
	}
	if ((strstr(type, "required") != NULL) != o->required) {
		report(r, "%s:%u: option '%s': the plugin says it is %srequired", path, line, o->name,
		       o->required ? "" : "not ");
	}
	if (o->def != NULL && code == NULL) {
		report(r, "%s:%u: option '%s': default \"%s\", but the plugin's is `%s`", path, line,
		       o->name, def, o->def);
	} else if (o->def != NULL && strcmp(code, o->def) != 0) {
		report(r, "%s:%u: option '%s': default `%s`, but the plugin's is `%s`", path, line,
		       o->name, code, o->def);
	} else if (o->def == NULL && code != NULL) {
		report(r, "%s:%u: option '%s': default `%s`, but the plugin has none (write the "
		       "cell as text: none, or what happens without it)", path, line, o->name, code);
	}
	free(code);
}

/*
 * Compares a sink page with its plugin's --help-sink text. Reports options
 * missing from the page, options the plugin does not have, and rows whose
 * type, "required" or default differ.
 */
static void check_sink_doc(const struct md_doc *doc, const char *help, struct report *r)
{
	const struct md_table *t = md_find_table(doc, "Options", "option");
	struct help_option *opts;
	size_t n = parse_help(help, &opts);

	if (t == NULL || t->ncols < 3) {
		report(r, "%s: no option table (\"| option | type | default | meaning |\" under "
		       "\"## Options\")", doc->path);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		long row = find_row(t, opts[i].name);

		if (row < 0) {
			report(r, "%s:%u: option '%s' (%s) is missing from the table", doc->path,
			       t->line, opts[i].name, opts[i].type);
		} else {
			check_sink_row(t, (size_t)row, &opts[i], doc->path, r);
		}
	}
	for (size_t row = 0; row < t->nrows; row++) {
		char *code = md_code_span(t->rows[row][0]);
		size_t i;

		for (i = 0; i < n && (code == NULL || strcmp(code, opts[i].name) != 0); i++) {
		}
		if (i == n) {
			report(r, "%s:%u: option '%s' is not an option of the plugin", doc->path,
			       t->row_lines[row], code != NULL ? code : t->rows[row][0]);
		}
		free(code);
	}
out:
	free_help(opts, n);
}

/*
 * Returns the output of `meepo --plugin-dir dir --help-sink name` (the
 * built meepo, MEEPO_BUILD_ROOT/core/meepo). A subprocess rather than
 * dlopen() here, so that the text checked is what users see.
 */
static char *plugin_help(const char *dir, const char *name)
{
	const char *build = getenv("MEEPO_BUILD_ROOT");
	char *cmd = NULL;
	char *text = NULL;
	size_t len = 0;
	char buf[4096];
	size_t n;
	FILE *out;
	FILE *p;
	int status;

	assert_non_null(build);
	assert_true(asprintf(&cmd, "'%s/core/meepo' --plugin-dir '%s' --help-sink '%s'", build, dir,
	                     name) > 0);
	p = popen(cmd, "re");
	assert_non_null(p);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		fwrite(buf, 1, n, out);
	}
	fclose(out);
	status = pclose(p);
	if (status != 0) {
		fail_msg("%s: exit status %d", cmd, status);
	}
	free(cmd);
	return text;
}

/* Lists "<prefix>NAME<suffix>" entries of dir as NAMEs, sorted. Returns the count. */
static size_t list_names(const char *dir, const char *prefix, const char *suffix, char ***out)
{
	struct dirent **ents = NULL;
	size_t n = 0;
	int count = scandir(dir, &ents, NULL, alphasort);

	*out = NULL;
	if (count < 0) {
		fail_msg("%s: %s", dir, strerror(errno));
	}
	for (int i = 0; i < count; i++) {
		const char *d = ents[i]->d_name;
		size_t len = strlen(d);
		size_t pl = strlen(prefix);
		size_t sl = strlen(suffix);

		if (len >= pl + sl && strncmp(d, prefix, pl) == 0 && strcmp(d + len - sl, suffix) == 0) {
			*out = realloc(*out, (n + 1) * sizeof(**out));
			assert_non_null(*out);
			(*out)[n++] = strndup(d + pl, len - pl - sl);
		}
		free(ents[i]);
	}
	free(ents);
	return n;
}

/* True if name is one of the n strings. */
static bool contains(char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static void test_sink_docs_match_plugins(void **state)
{
	const char *dir = getenv("MEEPO_PLUGIN_DIR");
	struct md_doc conf;
	struct report r;
	char **plugins;
	char **pages;
	size_t nplugins, npages;

	(void)state;
	assert_non_null(dir);
	nplugins = list_names(dir, "meepo-sink-", ".so", &plugins);
	npages = list_names(SINK_DOCS, "", ".md", &pages);
	if (nplugins == 0) {
		fail_msg("no meepo-sink-*.so in %s: build the plugins first", dir);
	}
	load_doc(CONF_DOC, &conf);
	report_open(&r);
	for (size_t i = 0; i < nplugins; i++) {
		char *path = NULL;
		char *link = NULL;
		char *help = plugin_help(dir, plugins[i]);
		struct md_doc doc;

		assert_true(asprintf(&path, SINK_DOCS "/%s.md", plugins[i]) > 0);
		assert_true(asprintf(&link, "(sinks/%s.md)", plugins[i]) > 0);
		if (!contains(pages, npages, plugins[i])) {
			report(&r, "%s: missing: the %s plugin has no page", path, plugins[i]);
		} else {
			load_doc(path, &doc);
			check_sink_doc(&doc, help, &r);
			md_free(&doc);
		}
		if (strstr(conf.text, link) == NULL) {
			report(&r, "%s: no link %s to the %s plugin's page", CONF_DOC, link, plugins[i]);
		}
		free(link);
		free(path);
		free(help);
	}
	for (size_t i = 0; i < npages; i++) {
		if (!contains(plugins, nplugins, pages[i])) {
			report(&r, "%s/%s.md: there is no plugin meepo-sink-%s.so in %s", SINK_DOCS,
			       pages[i], pages[i], dir);
		}
	}
	md_free(&conf);
	c_strings_free(plugins, nplugins);
	c_strings_free(pages, npages);
	report_assert_empty(&r, "docs/sinks/*.md and the sink plugins");
}

/* ---- core keys ------------------------------------------------------------------ */

/* Writes a limit as the docs write it: decimal, or 2^k for a large power of two. */
static void render_limit(long long v, char *out, size_t outlen)
{
	int k = 0;

	while (k < 62 && (1LL << k) < v) {
		k++;
	}
	if (v >= (1LL << 20) && v == (1LL << k)) {
		snprintf(out, outlen, "2^%d", k);
	} else {
		snprintf(out, outlen, "%lld", v);
	}
}

/* Checks that a get_choice key's type cell lists exactly its values, as `"value"`. */
static void check_choices(const struct core_key *k, const char *path, const char *cell,
                          unsigned line, struct report *r)
{
	for (size_t i = 0; i < k->nchoices; i++) {
		char quoted[80];

		snprintf(quoted, sizeof(quoted), "`\"%s\"`", k->choices[i]);
		if (strstr(cell, quoted) == NULL) {
			report(r, "%s:%u: %s.%s: type does not list %s", path, line, k->section,
			       k->name, quoted);
		}
	}
	for (const char *p = strchr(cell, '`'); p != NULL; p = strchr(p, '`')) {
		char *code = md_code_span(p);
		size_t i = 0;

		while (code != NULL && i < k->nchoices) {
			char quoted[80];

			snprintf(quoted, sizeof(quoted), "\"%s\"", k->choices[i]);
			if (strcmp(code, quoted) == 0) {
				break;
			}
			i++;
		}
		if (code == NULL || i == k->nchoices) {
			report(r, "%s:%u: %s.%s: type lists `%s`, which the loader does not accept",
			       path, line, k->section, k->name, code != NULL ? code : p);
		}
		p = strchr(p + 1, '`');
		p = p != NULL ? p + 1 : NULL;
		free(code);
	}
}

/* Checks a key's type cell against what the getter says. */
static void check_key_type(const struct core_key *k, const char *path, const char *cell,
                           unsigned line, struct report *r)
{
	char lo[32], hi[32], want[80];

	if ((strstr(cell, "required") != NULL) != k->required) {
		report(r, "%s:%u: %s.%s: the loader says it is %srequired", path, line, k->section,
		       k->name, k->required ? "" : "not ");
	}
	if (k->getter == NULL) {
		return;
	}
	if (strcmp(k->getter, "conf_get_string") == 0 && !type_matches(cell, "string")) {
		report(r, "%s:%u: %s.%s: type \"%s\", but the loader reads a string", path, line,
		       k->section, k->name, cell);
	} else if (strcmp(k->getter, "conf_get_int") == 0 || strcmp(k->getter, "conf_get_u32") == 0) {
		render_limit(k->lo, lo, sizeof(lo));
		render_limit(k->hi, hi, sizeof(hi));
		if (k->hi == INT64_MAX) {
			snprintf(want, sizeof(want), "integer >= %s", lo);
		} else {
			snprintf(want, sizeof(want), "integer %s..%s", lo, hi);
		}
		if (strncmp(cell, want, strlen(want)) != 0 ||
		    (cell[strlen(want)] != '\0' && strchr("0123456789.", cell[strlen(want)]) != NULL)) {
			report(r, "%s:%u: %s.%s: type \"%s\", but the loader reads an %s", path, line,
			       k->section, k->name, cell, want);
		}
	} else if (strcmp(k->getter, "conf_get_choice") == 0) {
		check_choices(k, path, cell, line, r);
	}
}

/* Checks one key table of the configuration reference against the model. */
static void check_key_table(const struct core_model *m, const struct md_doc *doc,
                            const char *heading, struct report *r)
{
	const struct md_table *t = md_find_table(doc, heading, "key");

	if (t == NULL || t->ncols < 3) {
		report(r, "%s: no key table (\"| key | type | default | meaning |\") under the "
		       "heading \"%s\"", doc->path, heading);
		return;
	}
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct core_key *k = &m->keys[i];
		long row;
		char *code;

		if (strcmp(k->heading, heading) != 0) {
			continue;
		}
		row = find_row(t, k->name);
		if (row < 0) {
			report(r, "%s:%u: key '%s.%s' is accepted by the loader but missing from the "
			       "table", doc->path, t->line, k->section, k->name);
			continue;
		}
		check_key_type(k, doc->path, t->rows[row][1], t->row_lines[row], r);
		code = md_code_span(t->rows[row][2]);
		if (k->def != NULL && (code == NULL || strcmp(code, k->def) != 0)) {
			report(r, "%s:%u: %s.%s: default %s%s%s, but the loader's is `%s`", doc->path,
			       t->row_lines[row], k->section, k->name, code != NULL ? "`" : "\"",
			       code != NULL ? code : t->rows[row][2], code != NULL ? "`" : "\"", k->def);
		}
		free(code);
	}
	for (size_t row = 0; row < t->nrows; row++) {
		char *code = md_code_span(t->rows[row][0]);
		size_t i;

		for (i = 0; i < m->nkeys; i++) {
			if (code != NULL && strcmp(m->keys[i].heading, heading) == 0 &&
			    strcmp(m->keys[i].name, code) == 0) {
				break;
			}
		}
		if (i == m->nkeys) {
			report(r, "%s:%u: key '%s' under \"%s\" is not accepted by the loader", doc->path,
			       t->row_lines[row], code != NULL ? code : t->rows[row][0], heading);
		}
		free(code);
	}
}

/* True if s is a top-level key's spelling: lower case letters and '_'. */
static bool is_key_heading(const char *s)
{
	return *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s);
}

/* Compares the configuration reference with the model of the loader. */
static void check_core_doc(const struct core_model *m, const struct md_doc *doc,
                           struct report *r)
{
	for (size_t i = 0; i < m->nkeys; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(m->keys[j].heading, m->keys[i].heading) != 0; j++) {
		}
		if (j == i) {
			check_key_table(m, doc, m->keys[i].heading, r);
		}
	}
	for (size_t i = 0; i < doc->ntables; i++) {
		const struct md_table *t = &doc->tables[i];
		size_t j;

		for (j = 0; j < m->nkeys && strcmp(m->keys[j].heading, t->heading) != 0; j++) {
		}
		if (t->ncols > 0 && strcmp(t->header[0], "key") == 0 && j == m->nkeys) {
			report(r, "%s:%u: a key table under \"%s\", but the loader has no keys that the "
			       "docs test maps there", doc->path, t->line, t->heading);
		}
	}
	for (size_t i = 0; i < m->ntop; i++) {
		const struct md_heading *h = md_find_heading(doc, m->top[i]);

		if (h == NULL || h->level != 2) {
			report(r, "%s: top-level key '%s' has no \"## %s\" section", doc->path, m->top[i],
			       m->top[i]);
		}
	}
	for (size_t i = 0; i < doc->nheadings; i++) {
		const struct md_heading *h = &doc->headings[i];

		if (h->level == 2 && is_key_heading(h->text) && !contains(m->top, m->ntop, h->text)) {
			report(r, "%s:%u: \"## %s\" is not a top-level key of the loader", doc->path,
			       h->line, h->text);
		}
	}
}

static void test_core_keys_documented(void **state)
{
	struct core_model m;
	struct md_doc doc;
	struct report r;
	char **names, **headers;
	char **paths;
	size_t n = list_names(CORE_DIR, "config", ".c", &names);
	size_t nh = list_names(CORE_DIR, "config", ".h", &headers);

	(void)state;
	paths = calloc(n + nh + 1, sizeof(*paths));
	assert_non_null(paths);
	for (size_t i = 0; i < n; i++) {
		assert_true(asprintf(&paths[i], CORE_DIR "/config%s.c", names[i]) > 0);
	}
	for (size_t i = 0; i < nh; i++) {
		assert_true(asprintf(&paths[n + i], CORE_DIR "/config%s.h", headers[i]) > 0);
	}
	report_open(&r);
	model_load(&m, paths, &r);
	if (m.nkeys < 30 || m.typed < 25 || m.ntop < 8) {
		report(&r, CORE_DIR "/config*.c: found only %zu keys, %zu typed by a getter call and "
		       "%zu top-level keys: has the loader's layout changed (tests/unit/docs/cscan.h)?",
		       m.nkeys, m.typed, m.ntop);
	}
	load_doc(CONF_DOC, &doc);
	check_core_doc(&m, &doc, &r);
	md_free(&doc);
	model_free(&m);
	c_strings_free(paths, n + nh);
	c_strings_free(names, n);
	c_strings_free(headers, nh);
	report_assert_empty(&r, CONF_DOC " and " CORE_DIR "/config*.c");
}

/* ---- the checkers on drifted input ----------------------------------------- */

/* Writes text to a new temporary file named like `name`; returns its path. */
static char *temp_file(const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/meepo-docs-%d-%s", P_tmpdir, (int)getpid(), name) > 0);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/*
 * Closes the report and returns its text with every occurrence of path
 * replaced by `name`, so that expected messages do not depend on where
 * the temporary files are. Caller frees.
 */
static char *drift_text(struct report *r, const char *path, const char *name)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *p = NULL;

	assert_non_null(f);
	report_close(r);
	for (const char *s = r->text; *s != '\0'; s = p + strlen(path)) {
		p = strstr(s, path);
		if (p == NULL) {
			fputs(s, f);
			break;
		}
		fprintf(f, "%.*s%s", (int)(p - s), s, name);
	}
	fclose(f);
	report_free(r);
	return out;
}

static void test_checker_sink_drift(void **state)
{
	static const char help[] =
		"sink plugin demo 1.0: a demo\n\nUse it in a sink block: ...\n\n"
		"Options:\n"
		"  host (string, default \"127.0.0.1\")\n      the host\n"
		"  port (integer, required)\n      the port\n"
		"  tags (list, default [ \"a\", \"b\" ])\n      tags\n"
		"  token (path, secret)\n      a token file\n"
		"  fast (boolean, default false)\n      go fast\n";
	static const char page[] =
		"# demo\n\n## Options\n\n"
		"| option | type | default | meaning |\n"
		"|---|---|---|---|\n"
		"| `host` | string | `\"localhost\"` | the host |\n"
		"| `port` | string | `0` | the port |\n"
		"| `token` | path | none | a token file |\n"
		"| `fast` | boolean, required | `false` | go fast |\n"
		"| `colour` | string | none | gone |\n";
	char *path = temp_file("demo.md", page);
	struct md_doc doc;
	struct report r;
	char *text;

	(void)state;
	load_doc(path, &doc);
	report_open(&r);
	check_sink_doc(&doc, help, &r);
	text = drift_text(&r, path, "demo.md");
	assert_string_equal(text,
		"demo.md:7: option 'host': default `\"localhost\"`, but the plugin's is `\"127.0.0.1\"`\n"
		"demo.md:8: option 'port': type \"string\", but the plugin declares integer\n"
		"demo.md:8: option 'port': the plugin says it is required\n"
		"demo.md:8: option 'port': default `0`, but the plugin has none (write the cell as "
		"text: none, or what happens without it)\n"
		"demo.md:5: option 'tags' (list) is missing from the table\n"
		"demo.md:10: option 'fast': the plugin says it is not required\n"
		"demo.md:11: option 'colour' is not an option of the plugin\n");
	md_free(&doc);
	unlink(path);
	free(path);
	free(text);
}

static void test_checker_core_drift(void **state)
{
	static const char source[] =
		"#define QUEUE_DEFAULT (1 << 20)\n"
		"const char *const sink_core_keys[] = { \"name\", \"batch_max_events\",\n"
		"\t\"queue_max_bytes\", NULL };\n"
		"\n"
		"static int parse_log(struct loader *ld, const config_setting_t *s)\n"
		"{\n"
		"\tstatic const char *const keys[] = { \"level\", \"format\", NULL };\n"
		"\tstatic const char *const levels[] = { \"error\", \"info\", NULL };\n"
		"\n"
		"\treturn conf_get_choice(ld, s, \"log\", \"level\", levels, \"...\", &level);\n"
		"}\n"
		"\n"
		"static int parse_sink(struct loader *ld, const config_setting_t *s)\n"
		"{\n"
		"\tint64_t queue = QUEUE_DEFAULT;\n"
		"\n"
		"\tsk->batch_max_events = 1000;\n"
		"\treturn conf_get_string(ld, s, label, \"name\", true, &sk->name) != 0 ||\n"
		"\t       conf_get_int(ld, s, label, \"queue_max_bytes\", 1024, INT64_C(1) << 40,\n"
		"\t                    &queue) != 0 ||\n"
		"\t       conf_get_u32(ld, s, label, \"batch_max_events\", 1, UINT32_MAX,\n"
		"\t               &sk->batch_max_events) != 0;\n"
		"}\n"
		"\n"
		"static const struct section {\n"
		"\tconst char *name;\n"
		"} sections[] = {\n"
		"\t{ \"log\", parse_log },\n"
		"\t{ \"sinks\", parse_sinks },\n"
		"\t{ \"plugin_dir\", parse_plugin_dir },\n"
		"};\n";
	static const char reference[] =
		"# conf\n\n## log\n\n"
		"| key | type | default | meaning |\n"
		"|---|---|---|---|\n"
		"| `level` | `\"error\"`, `\"warn\"` | `\"info\"` | how much |\n"
		"| `target` | string | none | where |\n"
		"\n## sinks\n\n"
		"```\n## not a heading\n```\n"
		"| key | type | default | meaning |\n"
		"|---|---|---|---|\n"
		"| `name` | string | | its name |\n"
		"| `batch_max_events` | integer 1..65535 | `100` | batch |\n"
		"| `queue_max_bytes` | integer 1024..2^40 | `67108864` (64 MiB) | budget |\n"
		"\n## checkpoint\n\n"
		"| key | type | default | meaning |\n"
		"|---|---|---|---|\n"
		"| `path` | string | none | the file |\n";
	char *config = temp_file("config.c", source);
	char *path = temp_file("conf.md", reference);
	struct core_model m;
	struct md_doc doc;
	struct report r;
	char *text;

	char *paths[] = { config, NULL };

	(void)state;
	report_open(&r);
	model_load(&m, paths, &r);
	load_doc(path, &doc);
	check_core_doc(&m, &doc, &r);
	text = drift_text(&r, path, "conf.md");
	assert_string_equal(text,
		"conf.md:7: log.level: type does not list `\"info\"`\n"
		"conf.md:7: log.level: type lists `\"warn\"`, which the loader does not accept\n"
		"conf.md:5: key 'log.format' is accepted by the loader but missing from the table\n"
		"conf.md:8: key 'target' under \"log\" is not accepted by the loader\n"
		"conf.md:17: sinks.name: the loader says it is required\n"
		"conf.md:18: sinks.batch_max_events: type \"integer 1..65535\", but the loader reads "
		"an integer 1..4294967295\n"
		"conf.md:18: sinks.batch_max_events: default `100`, but the loader's is `1000`\n"
		"conf.md:19: sinks.queue_max_bytes: default `67108864`, but the loader's is `1048576`\n"
		"conf.md:23: a key table under \"checkpoint\", but the loader has no keys that the "
		"docs test maps there\n"
		"conf.md: top-level key 'plugin_dir' has no \"## plugin_dir\" section\n"
		"conf.md:21: \"## checkpoint\" is not a top-level key of the loader\n");
	md_free(&doc);
	model_free(&m);
	unlink(config);
	unlink(path);
	free(config);
	free(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_sink_drift),
		cmocka_unit_test(test_checker_core_drift),
		cmocka_unit_test(test_sink_docs_match_plugins),
		cmocka_unit_test(test_core_keys_documented),
	};
	const char *root = getenv("MEEPO_SOURCE_ROOT");

	if (root == NULL || chdir(root) != 0) {
		fprintf(stderr, "MEEPO_SOURCE_ROOT (%s) is not set or not a directory\n",
		        root != NULL ? root : "unset");
		return 1;
	}
	return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
