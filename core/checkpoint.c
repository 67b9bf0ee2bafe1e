/*
 * core/checkpoint.c - reading and atomically replacing the position file.
 *
 * Concurrency: see checkpoint.h; no shared state here.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"

int checkpoint_read(const char *path, struct position *out, char *err, size_t errlen)
{
	char line[512];
	unsigned seen = 0;
	unsigned lineno = 0;
	int ret = -1;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT) {
			return 0;
		}
		snprintf(err, errlen, "checkpoint %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *value = strchr(line, ' ');
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (value == NULL) {
			snprintf(err, errlen, "checkpoint %s:%u: expected 'key value'", path, lineno);
			goto out;
		}
		*value++ = '\0';
		if (strcmp(line, "file") == 0 && strlen(value) < sizeof(out->file) && value[0] != '\0') {
			strcpy(out->file, value);
			seen |= 1;
		} else if (strcmp(line, "offset") == 0) {
			char *end;
			errno = 0;
			out->offset = strtoull(value, &end, 10);
			if (errno != 0 || *end != '\0' || end == value) {
				snprintf(err, errlen, "checkpoint %s:%u: bad offset '%s'", path, lineno, value);
				goto out;
			}
			seen |= 2;
		} else if (strcmp(line, "gtid") == 0 && strlen(value) < sizeof(out->gtid)) {
			strcpy(out->gtid, value);
		} else {
			snprintf(err, errlen, "checkpoint %s:%u: unexpected '%s'", path, lineno, line);
			goto out;
		}
	}
	if (seen != 3) {
		snprintf(err, errlen, "checkpoint %s: missing %s", path, (seen & 1) ? "offset" : "file");
		goto out;
	}
	ret = 1;
out:
	fclose(f);
	return ret;
}

/* fsyncs the directory holding path, so that a rename in it is durable. */
static int sync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd;
	int ret = -1;

	if (copy == NULL) {
		return -1;
	}
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		ret = fsync(fd);
		close(fd);
	}
	free(copy);
	return ret;
}

int checkpoint_write(const char *path, const struct position *pos, char *err, size_t errlen)
{
	char tmp[4096];
	char text[1024];
	int len;
	int fd = -1;
	int ret = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "checkpoint %s: path too long", path);
		return -1;
	}
	len = snprintf(text, sizeof(text), "file %s\noffset %" PRIu64 "\ngtid %s\n", pos->file,
	               pos->offset, pos->gtid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "checkpoint %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, text, (size_t)len) != len || fsync(fd) != 0) {
		snprintf(err, errlen, "checkpoint %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "checkpoint %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || sync_parent(path) != 0) {
		snprintf(err, errlen, "checkpoint %s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0) {
		close(fd);
	}
	if (ret != 0) {
		unlink(tmp);
	}
	return ret;
}
