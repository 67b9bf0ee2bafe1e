/*
 * core/sdk/config_secret.c - meepo_config_secret() and meepo_secret_free()
 * (meepo/sink.h): a plugin's password or token, from the file or the
 * environment variable its options name.
 *
 * Concurrency: reentrant.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <meepo/sink.h>

#include "sdk/secret.h"

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
