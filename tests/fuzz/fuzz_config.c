/*
 * tests/fuzz/fuzz_config.c - libFuzzer target for the configuration loader.
 *
 * The input is the text of one configuration file. It is written to a
 * memory file (memfd) and loaded with conf_load() through its
 * /proc/self/fd path, exactly as `meepo -c FILE` would load it: libconfig's
 * parser, meepo's lint of what libconfig accepts, every section, sink,
 * route and pattern. The result is ignored: the loader must only never
 * crash, leak or read out of bounds (a load that succeeds is freed with
 * conf_free()).
 *
 * Keys that name other files (password_file) may make the loader read
 * them; it only reads.
 *
 * Concurrency: libFuzzer calls the entry point from one thread; the memfd
 * is created once and rewritten for every input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct meepo_conf conf;
	char path[64];
	char err[1024];

	if (fd < 0) {
		fd = memfd_create("meepo-fuzz.conf", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
	}
	if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("writing the memfd");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (conf_load(path, &conf, err, sizeof(err)) == 0) {
		conf_free(&conf);
	}
	return 0;
}
