/*
 * core/plugin.c - finding and loading sink plugins.
 *
 * plugin_load() opens <dir>/meepo-sink-<name>.so with RTLD_NOW | RTLD_LOCAL
 * (a missing symbol fails here, with dlerror()'s text, not mid-stream) and
 * checks the exported descriptor in an order that never reads a field the
 * plugin may not have: the symbol's ELF size when the loader knows it, then
 * abi_version, then struct_size, then the version-1 fields (name, version,
 * description, callbacks, option table).
 *
 * Concurrency: main thread only (dlerror() state is per thread, and the
 * loader runs before any worker starts).
 */
#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin.h"

/* Size of the version-1 descriptor: the fields up to and including destroy. */
#define SINK_V1_SIZE \
	(offsetof(struct meepo_sink, destroy) + sizeof(((const struct meepo_sink *)NULL)->destroy))

/* Most options a plugin may declare (guards against a missing terminator). */
#define MAX_PLUGIN_OPTIONS 256

/* Most bytes of a plugin or option name. */
#define MAX_NAME 64

/* True if s is 1..MAX_NAME characters of a-z, 0-9, '_' and those in `extra`. */
static bool name_ok(const char *s, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_NAME) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      strchr(extra, c) != NULL)) {
			return false;
		}
	}
	return true;
}

/* True if the running executable lives under MEEPO_BUILD_ROOT. */
static bool running_from_build_tree(void)
{
	char exe[PATH_MAX];
	char *root = realpath(MEEPO_BUILD_ROOT, NULL);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t len;
	bool inside = false;

	if (root == NULL || n <= 0) {
		goto out;
	}
	exe[n] = '\0';
	len = strlen(root);
	inside = strncmp(exe, root, len) == 0 && exe[len] == '/';
out:
	free(root);
	return inside;
}

const char *plugin_dir_resolve(const char *cli_dir, const char *config_dir)
{
	const char *env = getenv("MEEPO_PLUGIN_DIR");

	if (cli_dir != NULL) {
		return cli_dir;
	}
	if (config_dir != NULL) {
		return config_dir;
	}
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	if (running_from_build_tree()) {
		return MEEPO_BUILD_ROOT "/plugins";
	}
	return MEEPO_PLUGIN_INSTALL_DIR;
}

/* Checks the option table of a descriptor. */
static int check_options(const char *name, const struct meepo_option *options, char *err,
                         size_t errlen)
{
	for (size_t i = 0; options != NULL && options[i].name != NULL; i++) {
		const struct meepo_option *opt = &options[i];

		if (i == MAX_PLUGIN_OPTIONS) {
			snprintf(err, errlen, "plugin %s: option table has more than %d entries (is it "
			                      "terminated with { NULL }?)", name, MAX_PLUGIN_OPTIONS);
			return -1;
		}
		if (!name_ok(opt->name, "")) {
			snprintf(err, errlen, "plugin %s: option name \"%s\" is not valid (1 to %d of "
			                      "a-z 0-9 _)", name, opt->name, MAX_NAME);
			return -1;
		}
		if (strcmp(opt->name, "name") == 0 || strcmp(opt->name, "plugin") == 0) {
			snprintf(err, errlen, "plugin %s: option '%s' is reserved for the core", name,
			         opt->name);
			return -1;
		}
		if ((unsigned)opt->type > MEEPO_OPT_PATH) {
			snprintf(err, errlen, "plugin %s: option '%s' has an invalid type %d", name,
			         opt->name, (int)opt->type);
			return -1;
		}
		if (opt->flags & ~(MEEPO_OPT_REQUIRED | MEEPO_OPT_SECRET)) {
			snprintf(err, errlen, "plugin %s: option '%s' has unknown flags 0x%x", name,
			         opt->name, opt->flags);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(options[j].name, opt->name) == 0) {
				snprintf(err, errlen, "plugin %s: option '%s' is declared twice", name,
				         opt->name);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * Checks what the loader knows of the descriptor symbol: a data object of at
 * least the two header fields. `size` receives its size (0 if unknown).
 */
static int check_symbol(const char *name, const void *sym, size_t *size, char *err,
                        size_t errlen)
{
	const ElfW(Sym) *esym = NULL;
	Dl_info info;

	*size = 0;
	if (dladdr1(sym, &info, (void **)&esym, RTLD_DL_SYMENT) == 0 || esym == NULL) {
		return 0;
	}
	/* ST_TYPE is the same macro for 32- and 64-bit ELF. */
	if (ELF64_ST_TYPE(esym->st_info) == STT_FUNC) {
		snprintf(err, errlen, "plugin %s: symbol '%s' is a function, not a sink descriptor",
		         name, MEEPO_SINK_SYMBOL);
		return -1;
	}
	*size = esym->st_size;
	if (*size != 0 && *size < 2 * sizeof(uint32_t)) {
		snprintf(err, errlen, "plugin %s: symbol '%s' is %zu bytes, too small for a sink "
		                      "descriptor", name, MEEPO_SINK_SYMBOL, *size);
		return -1;
	}
	return 0;
}

/* Checks a descriptor of a symbol of `size` bytes (0 = unknown). */
static int check_descriptor(const char *name, const struct meepo_sink *sink, size_t size,
                            char *err, size_t errlen)
{
	const char *missing = NULL;

	if (sink->abi_version != MEEPO_SINK_ABI_VERSION) {
		snprintf(err, errlen, "plugin %s was built for sink ABI %u; this meepo provides "
		                      "ABI %u; rebuild it", name, sink->abi_version,
		         MEEPO_SINK_ABI_VERSION);
		return -1;
	}
	if (sink->struct_size < SINK_V1_SIZE) {
		snprintf(err, errlen, "plugin %s: its descriptor is %u bytes, smaller than the %zu "
		                      "bytes of sink ABI %u; rebuild it", name, sink->struct_size,
		         SINK_V1_SIZE, MEEPO_SINK_ABI_VERSION);
		return -1;
	}
	if (size != 0 && sink->struct_size > size) {
		snprintf(err, errlen, "plugin %s: its descriptor claims %u bytes but symbol '%s' "
		                      "has %zu", name, sink->struct_size, MEEPO_SINK_SYMBOL, size);
		return -1;
	}
	if (sink->name == NULL) {
		missing = "name";
	} else if (sink->version == NULL) {
		missing = "version";
	} else if (sink->description == NULL) {
		missing = "description";
	} else if (sink->create == NULL) {
		missing = "create";
	} else if (sink->deliver == NULL) {
		missing = "deliver";
	} else if (sink->destroy == NULL) {
		missing = "destroy";
	}
	if (missing != NULL) {
		snprintf(err, errlen, "plugin %s: its descriptor has no %s", name, missing);
		return -1;
	}
	if (strcmp(sink->name, name) != 0) {
		snprintf(err, errlen, "plugin %s: its descriptor names it '%s'; the file "
		                      "meepo-sink-%s.so must hold plugin '%s'", name, sink->name,
		         name, name);
		return -1;
	}
	return check_options(name, sink->options, err, errlen);
}

int plugin_load(const char *dir, const char *name, struct plugin *out, char *err, size_t errlen)
{
	const struct meepo_sink *sink;
	char *path = NULL;
	void *handle = NULL;
	size_t size;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!name_ok(name, "-")) {
		snprintf(err, errlen, "plugin name \"%s\" is not valid (1 to %d of a-z 0-9 _ -)", name,
		         MAX_NAME);
		goto out;
	}
	if (asprintf(&path, "%s/meepo-sink-%s.so", dir, name) < 0) {
		path = NULL;
		snprintf(err, errlen, "plugin %s: out of memory", name);
		goto out;
	}
	dlerror();
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		snprintf(err, errlen, "plugin %s: cannot load: %s", name, dlerror());
		goto out;
	}
	sink = dlsym(handle, MEEPO_SINK_SYMBOL);
	if (sink == NULL) {
		snprintf(err, errlen, "plugin %s: %s has no symbol '%s': is it a meepo sink?", name,
		         path, MEEPO_SINK_SYMBOL);
		goto out;
	}
	if (check_symbol(name, sink, &size, err, errlen) != 0 ||
	    check_descriptor(name, sink, size, err, errlen) != 0) {
		goto out;
	}
	out->handle = handle;
	out->sink = sink;
	out->path = path;
	handle = NULL;
	path = NULL;
	rc = 0;
out:
	if (handle != NULL) {
		dlclose(handle);
	}
	free(path);
	return rc;
}

void plugin_unload(struct plugin *plugin)
{
	if (plugin->handle != NULL) {
		dlclose(plugin->handle);
	}
	free(plugin->path);
	memset(plugin, 0, sizeof(*plugin));
}
