/*
 * core/sdk/secret.c - files read whole, secrets from files or the
 * environment (see secret.h and meepo_config_secret in meepo/sink.h).
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

#include <meepo/sink.h>

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

int meepo_config_secret(const struct meepo_config *cfg, const char *file_option,
                        const char *env_option, char **secret, char *err, size_t errlen)
{
	const char *path = meepo_config_string(cfg, file_option);
	const char *var = env_option != NULL ? meepo_config_string(cfg, env_option) : NULL;
	const char *value;
	int e;

	*secret = NULL;
	if (path != NULL) {
		e = secret_read_file(path, secret);
		if (e != 0) {
			snprintf(err, errlen, "%s: %s %s: %s", meepo_config_where(cfg, file_option),
			         file_option, path, e == EFBIG ? "longer than 4096 bytes"
			         : e == EINVAL ? "contains a NUL byte" : strerror(e));
			return -1;
		}
		if ((*secret)[0] == '\0') {
			snprintf(err, errlen, "%s: %s %s is empty", meepo_config_where(cfg, file_option),
			         file_option, path);
			secret_free(*secret);
			*secret = NULL;
			return -1;
		}
		return 0;
	}
	if (var == NULL) {
		return 0;
	}
	value = getenv(var);
	if (value == NULL || value[0] == '\0') {
		snprintf(err, errlen, "%s: %s: environment variable %s is %s",
		         meepo_config_where(cfg, env_option), env_option, var,
		         value == NULL ? "not set" : "empty");
		return -1;
	}
	*secret = strdup(value);
	if (*secret == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void meepo_secret_free(char *secret)
{
	secret_free(secret);
}
