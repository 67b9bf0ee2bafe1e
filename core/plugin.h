/*
 * core/plugin.h - loading sink plugins with dlopen(3).
 *
 * A plugin is meepo-sink-<name>.so in the plugin directory. It is opened
 * with RTLD_NOW | RTLD_LOCAL so that a missing symbol fails at load, not
 * mid-stream, and its descriptor's abi_version and struct_size are checked
 * before any other field is read.
 *
 * The plugin directory is, first to last: --plugin-dir, plugin_dir in the
 * configuration, $MEEPO_PLUGIN_DIR, the build tree when meepo runs from it,
 * the installed libdir/meepo.
 *
 * Concurrency: main thread only.
 */
#ifndef MEEPO_PLUGIN_H
#define MEEPO_PLUGIN_H

#include <stddef.h>

#include <meepo/sink.h>

struct plugin {
	void *handle;                   /* from dlopen */
	const struct meepo_sink *sink;  /* the checked descriptor */
	char *path;                     /* file it was loaded from */
};

/*
 * Returns the plugin directory to use, given the CLI and config choices
 * (either may be NULL). The string is static or one of the arguments.
 */
const char *plugin_dir_resolve(const char *cli_dir, const char *config_dir);

/*
 * Loads plugin `name` from `dir` into *out. Returns 0, or -1 with a message
 * naming the file and the reason (dlerror text, missing symbol, ABI version
 * or size mismatch).
 */
int plugin_load(const char *dir, const char *name, struct plugin *out, char *err, size_t errlen);

/* Unloads a plugin loaded by plugin_load(); the struct is zeroed. */
void plugin_unload(struct plugin *plugin);

#endif /* MEEPO_PLUGIN_H */
