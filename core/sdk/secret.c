/*
 * core/sdk/secret.c - files read whole, secrets from files (see secret.h).
 * meepo_config_secret() is in config_secret.c, a file of its own so that
 * linking these does not need the meepo_config_* accessors.
 *
 * Concurrency: reentrant.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdk/secret.h"

int sdk_read_file(const char *path, size_t max, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	ssize_t n;
	int fd;
	int rc = 0;

	*text = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return errno;
	}
	if (fstat(fd, &st) != 0) {
		rc = errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = EISDIR;
		goto out;
	}
	buf = malloc(max + 2);
	if (buf == NULL) {
		rc = ENOMEM;
		goto out;
	}
	do {
		n = read(fd, buf + used, max + 1 - used);
		if (n < 0 && errno != EINTR) {
			rc = errno;
			goto out;
		}
		used += n > 0 ? (size_t)n : 0;
	} while (n != 0 && used <= max);
	if (used > max) {
		rc = EFBIG;
		goto out;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int secret_read_file(const char *path, char **out)
{
	size_t len;
	int e = sdk_read_file(path, SECRET_MAX_BYTES, out, &len);

	if (e != 0) {
		return e;
	}
	if (strlen(*out) != len) {
		secret_free(*out);
		*out = NULL;
		return EINVAL;
	}
	if (len > 0 && (*out)[len - 1] == '\n') {
		(*out)[--len] = '\0';
		if (len > 0 && (*out)[len - 1] == '\r') {
			(*out)[--len] = '\0';
		}
	}
	return 0;
}

void secret_free(char *secret)
{
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}
