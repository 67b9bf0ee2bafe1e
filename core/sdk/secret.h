/*
 * core/sdk/secret.h - reading a file whole, and secrets (passwords,
 * tokens) from files: the one way meepo does it for source.password_file
 * and, through meepo_config_secret() (meepo/sink.h), for its plugins.
 *
 * Concurrency: reentrant.
 */
#ifndef MEEPO_SDK_SECRET_H
#define MEEPO_SDK_SECRET_H

#include <stddef.h>

/* Largest secret file read, in bytes. */
#define SECRET_MAX_BYTES 4096u

/*
 * Reads a whole file of at most `max` bytes into a NUL-terminated malloc'd
 * buffer. Returns 0, or an errno value (EFBIG when larger than max).
 */
int sdk_read_file(const char *path, size_t max, char **text, size_t *len);

/*
 * Reads a secret file (at most SECRET_MAX_BYTES, no NUL byte) and drops one
 * trailing "\n" or "\r\n". Returns 0 with *out malloc'd (free it with
 * secret_free), or an errno value: EFBIG if too long, EINVAL for a NUL byte.
 */
int secret_read_file(const char *path, char **out);

/* Zeroes and frees a secret; NULL is allowed. */
void secret_free(char *secret);

#endif /* MEEPO_SDK_SECRET_H */
