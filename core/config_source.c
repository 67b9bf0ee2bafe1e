/*
 * core/config_source.c - the `source` section: server address, user,
 * password (from a file or the environment, never from the file itself),
 * replica server id, and where to start when no checkpoint exists.
 *
 * Concurrency: main thread only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_loader.h"
#include "sdk/secret.h"

/* ---- source ------------------------------------------------------------ */

/* Parses decimal digits at *p into *out (<= max); advances *p. False if none or too big. */
bool conf_parse_uint(const char **p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s)) {
		return false;
	}
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10) {
			return false;
		}
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/* What gtid_normalize() found. */
enum gtid_result { GTID_OK, GTID_INVALID, GTID_DUPLICATE_DOMAIN };

/*
 * Validates a MariaDB GTID list ("0-1-100" or "0-1-100,1-2-7"; spaces
 * around commas allowed; at most one GTID per domain, at most 64) and
 * stores it without spaces in *out (malloc'd). On GTID_DUPLICATE_DOMAIN,
 * *domain is the domain given twice.
 */
static enum gtid_result gtid_normalize(const char *text, char **out, uint64_t *domain)
{
	uint64_t domains[64];
	size_t ndomains = 0;
	size_t n = 0;
	const char *p = text;
	uint64_t server, seq;
	enum gtid_result rc = GTID_INVALID;
	char *norm = malloc(strlen(text) + 1);

	*out = NULL;
	if (norm == NULL) {
		return GTID_INVALID;
	}
	for (;;) {
		const char *start;

		while (*p == ' ') {
			p++;
		}
		start = p;
		if (!conf_parse_uint(&p, UINT32_MAX, domain) || *p++ != '-' ||
		    !conf_parse_uint(&p, UINT32_MAX, &server) || *p++ != '-' ||
		    !conf_parse_uint(&p, UINT64_MAX, &seq) || ndomains == 64) {
			goto bad;
		}
		for (size_t i = 0; i < ndomains; i++) {
			if (domains[i] == *domain) {
				rc = GTID_DUPLICATE_DOMAIN;
				goto bad;
			}
		}
		domains[ndomains++] = *domain;
		memcpy(norm + n, start, (size_t)(p - start));
		n += (size_t)(p - start);
		while (*p == ' ') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		if (*p++ != ',') {
			goto bad;
		}
		norm[n++] = ',';
	}
	norm[n] = '\0';
	*out = norm;
	return GTID_OK;
bad:
	free(norm);
	return rc;
}

/* source.start: "current", "earliest", a GTID list, or { file; pos; }. */
static int parse_start(struct loader *ld, const config_setting_t *group)
{
	static const char *const keys[] = { "file", "pos", NULL };
	struct source_config *src = &ld->conf->source;
	const config_setting_t *s = config_setting_get_member(group, "start");
	const char *text;
	int64_t pos = 4;
	uint64_t domain;

	if (s == NULL) {
		return 0;
	}
	if (config_setting_is_group(s)) {
		if (conf_check_keys(ld, s, "source.start", keys) != 0 ||
		    conf_get_string(ld, s, "source.start", "file", true, &src->start_file) != 0 ||
		    conf_get_int(ld, s, "source.start", "pos", 4, INT64_MAX, &pos) != 0) {
			return -1;
		}
		src->start = START_POSITION;
		src->start_pos = (uint64_t)pos;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		return conf_fail(ld, s, "source.start: expected a string or a group "
		                   "{ file = \"...\"; pos = N; }");
	}
	text = config_setting_get_string(s);
	if (strcmp(text, "current") == 0) {
		src->start = START_CURRENT;
	} else if (strcmp(text, "earliest") == 0) {
		src->start = START_EARLIEST;
	} else {
		free(src->start_gtid);
		switch (gtid_normalize(text, &src->start_gtid, &domain)) {
		case GTID_OK:
			break;
		case GTID_DUPLICATE_DOMAIN:
			return conf_fail(ld, s, "source.start: \"%s\" gives two positions for GTID domain "
			                   "%llu", text, (unsigned long long)domain);
		case GTID_INVALID:
			return conf_fail(ld, s, "source.start: \"%s\" is not \"current\", \"earliest\", "
			                   "a MariaDB GTID list such as \"0-1-100\", or "
			                   "{ file = \"...\"; pos = N; }", text);
		}
		src->start = START_GTID;
	}
	return 0;
}

/* source.password_file / password_env (source.password is refused). */
static int parse_password(struct loader *ld, const config_setting_t *group)
{
	struct source_config *src = &ld->conf->source;
	const config_setting_t *pw = config_setting_get_member(group, "password");
	const config_setting_t *pf = config_setting_get_member(group, "password_file");
	const config_setting_t *pe = config_setting_get_member(group, "password_env");
	const char *name;
	const char *value;
	int e;

	if (pw != NULL) {
		return conf_fail(ld, pw, "source.password: passwords are not accepted in configuration "
		                    "files (they end up in backups and version control); use "
		                    "password_file or password_env");
	}
	if (pf != NULL && pe != NULL) {
		return conf_fail(ld, pe, "source: set password_file or password_env, not both");
	}
	if (pf != NULL) {
		if (conf_want_string(ld, pf, "source.password_file", &name) != 0) {
			return -1;
		}
		e = secret_read_file(name, &src->password);
		if (e == EINVAL) {
			return conf_fail(ld, pf, "source.password_file: '%s' contains a NUL byte", name);
		}
		if (e != 0) {
			return conf_fail(ld, pf, "source.password_file: cannot read '%s': %s", name,
			            strerror(e));
		}
	}
	if (pe != NULL) {
		if (conf_want_string(ld, pe, "source.password_env", &name) != 0) {
			return -1;
		}
		value = getenv(name);
		if (value == NULL) {
			return conf_fail(ld, pe, "source.password_env: environment variable %s is not set",
			            name);
		}
		return conf_set_string(ld, &src->password, value);
	}
	return 0;
}

int conf_parse_source(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = {
		"host", "port", "socket", "user", "password_file", "password_env", "password",
		"server_id", "start", "heartbeat_ms", "connect_timeout_ms", NULL,
	};
	struct source_config *src = &ld->conf->source;
	int64_t port = src->port;

	if (conf_want_group(ld, s, "source") != 0 || conf_check_keys(ld, s, "source", keys) != 0 ||
	    conf_set_where(ld, &src->where, s) != 0 ||
	    conf_get_string(ld, s, "source", "host", false, &src->host) != 0 ||
	    conf_get_int(ld, s, "source", "port", 1, 65535, &port) != 0 ||
	    conf_get_string(ld, s, "source", "socket", false, &src->socket) != 0 ||
	    conf_get_string(ld, s, "source", "user", false, &src->user) != 0 ||
	    parse_password(ld, s) != 0 ||
	    conf_get_u32(ld, s, "source", "server_id", 1, UINT32_MAX, &src->server_id) != 0 ||
	    parse_start(ld, s) != 0 ||
	    conf_get_u32(ld, s, "source", "heartbeat_ms", 0, 3600000, &src->heartbeat_ms) != 0 ||
	    conf_get_u32(ld, s, "source", "connect_timeout_ms", 1, 3600000,
	            &src->connect_timeout_ms) != 0) {
		return -1;
	}
	src->port = (int)port;
	src->present = true;
	return 0;
}
