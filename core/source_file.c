/*
 * core/source_file.c - binlog files on disk, each read from its start.
 *
 * A file is mapped whole (binlogs are at most max_binlog_size, 1 GiB) and
 * events are handed out in place, without copying. An event is valid only
 * until the next one is asked for, so the pages behind the reading position
 * are dropped every RELEASE_BYTES to keep the resident size small. Every length is
 * checked against the file size: a truncated or corrupt file yields an
 * error naming the file and the offset, never a read past its end.
 *
 * Concurrency: reader thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binlog/binlog.h"
#include "source.h"

#define RELEASE_BYTES (4u << 20)

struct file_source {
	struct source base;     /* must be first */
	char *const *paths;     /* files to read, in order (borrowed) */
	size_t npaths;
	size_t current;         /* index of the mapped file, npaths when done */
	const uint8_t *map;     /* mapping of the current file, NULL if none */
	size_t size;            /* its size */
	size_t pos;             /* offset of the next event */
	size_t released;        /* pages before this offset were dropped */
	char name[256];         /* base name of the current file */
};

static void unmap(struct file_source *fs)
{
	if (fs->map != NULL) {
		munmap((void *)fs->map, fs->size);
		fs->map = NULL;
	}
}

/* Maps paths[current]. Returns 0, or -1 with a message. */
static int map_current(struct file_source *fs, char *err, size_t errlen)
{
	const char *path = fs->paths[fs->current];
	char *copy;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = -1;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size < (off_t)BINLOG_MAGIC_LEN) {
		snprintf(err, errlen, "%s:0: not a binlog file (%lld bytes)", path, (long long)st.st_size);
		goto out;
	}
	fs->size = (size_t)st.st_size;
	fs->map = mmap(NULL, fs->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fs->map == MAP_FAILED) {
		fs->map = NULL;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	madvise((void *)fs->map, fs->size, MADV_SEQUENTIAL);
	if (memcmp(fs->map, BINLOG_MAGIC, BINLOG_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "%s:0: not a binlog file (bad magic number)", path);
		unmap(fs);
		goto out;
	}
	copy = strdup(path);
	if (copy == NULL) {
		abort();
	}
	snprintf(fs->name, sizeof(fs->name), "%s", basename(copy));
	free(copy);
	fs->pos = BINLOG_MAGIC_LEN;
	fs->released = 0;
	ret = 0;
out:
	close(fd);
	return ret;
}

static enum source_status file_next(struct source *src, struct source_event *out,
                                    char *err, size_t errlen)
{
	struct file_source *fs = (struct file_source *)src;
	struct binlog_header h;
	char msg[256];

	while (fs->map == NULL || fs->pos == fs->size) {
		if (fs->map != NULL) {
			unmap(fs);
			fs->current++;
		}
		if (fs->current == fs->npaths) {
			return SOURCE_END;
		}
		if (map_current(fs, err, errlen) != 0) {
			return SOURCE_ERROR;
		}
	}
	if (fs->pos - fs->released >= RELEASE_BYTES) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		size_t upto = fs->pos & ~(page - 1);
		madvise((void *)(fs->map + fs->released), upto - fs->released, MADV_DONTNEED);
		fs->released = upto;
	}
	if (binlog_header_parse(fs->map + fs->pos, fs->size - fs->pos, &h, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s:%zu: %s", fs->paths[fs->current], fs->pos, msg);
		return SOURCE_ERROR;
	}
	if (h.event_len > fs->size - fs->pos) {
		snprintf(err, errlen, "%s:%zu: truncated event (%u bytes, %zu left in the file)",
		         fs->paths[fs->current], fs->pos, h.event_len, fs->size - fs->pos);
		return SOURCE_ERROR;
	}
	/* In a file every event says where the next one starts: a cheap check of its length. */
	if (h.next_pos != 0 && h.next_pos != fs->pos + h.event_len) {
		snprintf(err, errlen, "%s:%zu: corrupt event header (%u bytes long, but the next event "
		         "is said to start at %u)", fs->paths[fs->current], fs->pos, h.event_len,
		         h.next_pos);
		return SOURCE_ERROR;
	}
	if (fs->pos == BINLOG_MAGIC_LEN && h.type != BINLOG_FORMAT_DESCRIPTION &&
	    h.type != BINLOG_START_V3) {
		snprintf(err, errlen, "%s:%zu: the first event is %s, not a FORMAT_DESCRIPTION",
		         fs->paths[fs->current], fs->pos, binlog_event_type_name(h.type));
		return SOURCE_ERROR;
	}
	out->data = fs->map + fs->pos;
	out->len = h.event_len;
	out->file = fs->name;
	out->offset = fs->pos;
	fs->pos += h.event_len;
	return SOURCE_EVENT;
}

static void file_close(struct source *src)
{
	struct file_source *fs = (struct file_source *)src;

	unmap(fs);
	free(fs);
}

struct source *source_file_open(char *const *paths, size_t npaths, char *err, size_t errlen)
{
	struct file_source *fs = calloc(1, sizeof(*fs));

	if (fs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fs->base.next = file_next;
	fs->base.reopen = NULL;
	fs->base.interrupt = NULL;
	atomic_init(&fs->base.state.connected, true);
	fs->base.close = file_close;
	fs->paths = paths;
	fs->npaths = npaths;
	if (npaths > 0) {
		char *copy = strdup(paths[0]);
		if (copy == NULL) {
			abort();
		}
		snprintf(fs->base.start.file, sizeof(fs->base.start.file), "%s", basename(copy));
		fs->base.start.offset = BINLOG_MAGIC_LEN;
		free(copy);
	}
	return &fs->base;
}
