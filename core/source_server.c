/*
 * core/source_server.c - a server's binlog over the replication protocol
 * (COM_BINLOG_DUMP), with MariaDB Connector/C's mariadb_rpl API as the
 * transport only: every event is taken from raw_data and decoded by
 * core/binlog, because the library's own parsing is unreliable (see
 * docs/architecture.md).
 *
 * The source tracks the file and offset of every event (ROTATE events name
 * the file, header next_pos gives the offset), asks the server for
 * heartbeats so that a dead connection is noticed within the read timeout,
 * and reconnects on request at a given position.
 *
 * Concurrency: reader thread only.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysql.h>
#include <mariadb_rpl.h>

#include "binlog/binlog.h"
#include "source.h"

/* Server error for a binlog position the server no longer has. */
#define ER_MASTER_FATAL_ERROR_READING_BINLOG 1236

struct server_source {
	struct source base;                 /* must be first */
	const struct source_config *conf;   /* connection settings (borrowed) */
	bool nonblocking;                   /* end when caught up */
	MYSQL *mysql;                       /* the connection, NULL when closed */
	atomic_int fd;                      /* its socket, -1 when closed (for interrupt) */
	MARIADB_RPL *rpl;                   /* the dump, NULL when closed */
	MARIADB_RPL_EVENT *event;           /* reused by mariadb_rpl_fetch */
	bool checksum;                      /* events end with a CRC32 */
	char file[256];                     /* binlog file being read */
	uint64_t pos;                       /* offset of the next event in it */
	bool rotate_pending;                /* the last event was a ROTATE */
	char next_file[256];                /* the file it named */
	uint64_t next_pos;                  /* and the offset in it */
};

static void disconnect(struct server_source *s)
{
	atomic_store(&s->fd, -1);
	atomic_store(&s->base.state.connected, false);
	if (s->event != NULL) {
		mariadb_free_rpl_event(s->event);
		s->event = NULL;
	}
	if (s->rpl != NULL) {
		mariadb_rpl_close(s->rpl);
		s->rpl = NULL;
	}
	if (s->mysql != NULL) {
		mysql_close(s->mysql);
		s->mysql = NULL;
	}
}

/* Runs a statement that returns nothing. Returns 0, or -1 with a message. */
static int run(struct server_source *s, const char *sql, char *err, size_t errlen)
{
	if (mysql_query(s->mysql, sql) != 0) {
		snprintf(err, errlen, "%s: %s", sql, mysql_error(s->mysql));
		return -1;
	}
	return 0;
}

/*
 * Runs a query and copies the first two columns of its first row (binlog
 * file name and position). Returns 0, or -1 with a message.
 */
static int query_position(struct server_source *s, const char *sql, struct position *out,
                          char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int ret = -1;

	if (mysql_query(s->mysql, sql) != 0 || (res = mysql_store_result(s->mysql)) == NULL) {
		snprintf(err, errlen, "%s: %s", sql, mysql_error(s->mysql));
		return -1;
	}
	row = mysql_fetch_row(res);
	if (row == NULL || row[0] == NULL) {
		snprintf(err, errlen, "%s returned nothing: is log_bin enabled on the server?", sql);
		goto out;
	}
	snprintf(out->file, sizeof(out->file), "%s", row[0]);
	out->offset = 4;
	if (mysql_num_fields(res) > 1 && row[1] != NULL && strcmp(sql, "SHOW MASTER STATUS") == 0) {
		out->offset = strtoull(row[1], NULL, 10);
	}
	ret = 0;
out:
	mysql_free_result(res);
	return ret;
}

/* Finds out whether the server will send events with a CRC32. */
static int query_checksum(struct server_source *s, char *err, size_t errlen)
{
	const char *sql = "SELECT @master_binlog_checksum";
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_query(s->mysql, sql) != 0 || (res = mysql_store_result(s->mysql)) == NULL) {
		snprintf(err, errlen, "%s: %s", sql, mysql_error(s->mysql));
		return -1;
	}
	row = mysql_fetch_row(res);
	s->checksum = row != NULL && row[0] != NULL && strcmp(row[0], "NONE") != 0;
	mysql_free_result(res);
	return 0;
}

/* Connects and starts the dump at *from (or per conf->start if NULL). */
static int connect_and_dump(struct server_source *s, const struct position *from, char *err,
                            size_t errlen)
{
	const struct source_config *c = s->conf;
	unsigned timeout = (c->connect_timeout_ms + 999) / 1000;
	unsigned read_timeout = (c->heartbeat_ms * 3 + 999) / 1000;
	struct position start = { 0 };
	char sql[512];

	s->mysql = mysql_init(NULL);
	if (s->mysql == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mysql_optionsv(s->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(s->mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
	if (mysql_real_connect(s->mysql, c->host, c->user, c->password, NULL, (unsigned)c->port,
	                       c->socket, 0) == NULL) {
		snprintf(err, errlen, "connecting to %s:%d as %s: %s", c->host, c->port, c->user,
		         mysql_error(s->mysql));
		return -1;
	}
	snprintf(sql, sizeof(sql), "SET @master_heartbeat_period = %" PRIu64,
	         (uint64_t)c->heartbeat_ms * 1000000u);
	if (run(s, "SET @master_binlog_checksum = @@global.binlog_checksum", err, errlen) != 0 ||
	    run(s, "SET @mariadb_slave_capability = 4", err, errlen) != 0 ||
	    run(s, sql, err, errlen) != 0) {
		return -1;
	}
	if (query_checksum(s, err, errlen) != 0) {
		return -1;
	}
	if (from != NULL) {
		start = *from;
	} else if (c->start == START_POSITION) {
		snprintf(start.file, sizeof(start.file), "%s", c->start_file);
		start.offset = c->start_pos;
	} else if (c->start == START_EARLIEST) {
		if (query_position(s, "SHOW BINARY LOGS", &start, err, errlen) != 0) {
			return -1;
		}
	} else if (c->start == START_CURRENT) {
		if (query_position(s, "SHOW MASTER STATUS", &start, err, errlen) != 0) {
			return -1;
		}
	} else {
		char *escaped = malloc(strlen(c->start_gtid) * 2 + 1);
		if (escaped == NULL) {
			abort();
		}
		mysql_real_escape_string(s->mysql, escaped, c->start_gtid, strlen(c->start_gtid));
		snprintf(sql, sizeof(sql), "SET @slave_connect_state = '%s'", escaped);
		free(escaped);
		if (run(s, sql, err, errlen) != 0) {
			return -1;
		}
		start.offset = 4; /* with an empty file name the server starts from the GTID */
	}
	s->rpl = mariadb_rpl_init(s->mysql);
	if (s->rpl == NULL) {
		snprintf(err, errlen, "mariadb_rpl_init failed");
		return -1;
	}
	uint32_t flags = s->nonblocking ? MARIADB_RPL_BINLOG_DUMP_NON_BLOCK : 0;
	mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_SERVER_ID, (uint32_t)c->server_id);
	mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_FILENAME, start.file, strlen(start.file));
	mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_START, (unsigned long)start.offset);
	mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_FLAGS, flags);
	if (mariadb_rpl_open(s->rpl) != 0) {
		snprintf(err, errlen, "starting the binlog dump at %s:%" PRIu64 ": %s", start.file,
		         start.offset, mariadb_rpl_error(s->rpl));
		return -1;
	}
	atomic_store(&s->fd, (int)mysql_get_socket(s->mysql));
	atomic_store(&s->base.state.connected, true);
	snprintf(s->file, sizeof(s->file), "%s", start.file);
	s->pos = start.offset;
	s->rotate_pending = false;
	s->base.start = start;
	meepo_log(MEEPO_LOG_INFO, "source", NULL, "connected to %s:%d, reading from %s:%" PRIu64,
	          c->host, c->port, start.file[0] ? start.file : "(gtid)", start.offset);
	return 0;
}

static enum source_status server_next(struct source *src, struct source_event *out,
                                      char *err, size_t errlen)
{
	struct server_source *s = (struct server_source *)src;

	for (;;) {
		struct binlog_header h;
		const uint8_t *data;
		size_t len;
		char msg[256];

		if (s->rpl == NULL) {
			snprintf(err, errlen, "not connected");
			return SOURCE_LOST;
		}
		if (s->rotate_pending) {
			snprintf(s->file, sizeof(s->file), "%s", s->next_file);
			s->pos = s->next_pos;
			s->rotate_pending = false;
		}
		s->event = mariadb_rpl_fetch(s->rpl, s->event);
		if (s->event == NULL) {
			unsigned code = mysql_errno(s->mysql);
			if (code == 0) {
				return SOURCE_END; /* non-blocking dump: caught up */
			}
			snprintf(err, errlen, "reading the binlog at %s:%" PRIu64 ": %s (error %u)", s->file,
			         s->pos, mysql_error(s->mysql), code);
			if (code == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
				return SOURCE_ERROR;
			}
			return SOURCE_LOST;
		}
		/* raw_data starts with the packet's OK byte, then the event. */
		if (s->event->raw_data_size < 1 + BINLOG_HEADER_LEN) {
			snprintf(err, errlen, "%s:%" PRIu64 ": short packet (%zu bytes)", s->file, s->pos,
			         s->event->raw_data_size);
			return SOURCE_ERROR;
		}
		data = s->event->raw_data + 1;
		len = s->event->raw_data_size - 1;
		if (binlog_header_parse(data, len, &h, msg, sizeof(msg)) != 0 || h.event_len != len) {
			snprintf(err, errlen, "%s:%" PRIu64 ": malformed event packet%s%s", s->file, s->pos,
			         h.event_len != len ? "" : ": ", h.event_len != len ? "" : msg);
			return SOURCE_ERROR;
		}
		if (h.type == BINLOG_HEARTBEAT || h.type == BINLOG_HEARTBEAT_V2) {
			/* Sent only when the server has nothing newer: we are caught up. */
			atomic_fetch_add(&s->base.state.heartbeats, 1);
			atomic_store(&s->base.state.caught_up, true);
			continue;
		}
		atomic_store_explicit(&s->base.state.caught_up, false, memory_order_relaxed);
		out->data = data;
		out->len = len;
		out->file = s->file;
		out->offset = h.next_pos >= len ? h.next_pos - len : s->pos;
		if (h.next_pos != 0) {
			s->pos = h.next_pos;
		}
		if (h.type == BINLOG_ROTATE) {
			struct binlog_rotate rot;
			size_t body_len = len - BINLOG_HEADER_LEN - (s->checksum ? BINLOG_CHECKSUM_LEN : 0);
			if (len < BINLOG_HEADER_LEN + (s->checksum ? BINLOG_CHECKSUM_LEN : 0) ||
			    binlog_rotate_parse(data + BINLOG_HEADER_LEN, body_len, &rot, msg, sizeof(msg)) != 0) {
				snprintf(err, errlen, "%s:%" PRIu64 ": bad ROTATE event", s->file, s->pos);
				return SOURCE_ERROR;
			}
			/* Events after this one are in the named file. */
			s->rotate_pending = true;
			snprintf(s->next_file, sizeof(s->next_file), "%.*s", (int)rot.file_len, rot.file);
			s->next_pos = rot.position;
		}
		return SOURCE_EVENT;
	}
}

static int server_reopen(struct source *src, const struct position *from, char *err, size_t errlen)
{
	struct server_source *s = (struct server_source *)src;

	disconnect(s);
	if (connect_and_dump(s, from, err, errlen) != 0) {
		disconnect(s);
		return -1;
	}
	return 0;
}

static void server_interrupt(struct source *src)
{
	struct server_source *s = (struct server_source *)src;
	int fd = atomic_load(&s->fd);

	if (fd >= 0) {
		shutdown(fd, SHUT_RDWR); /* the blocked read returns an error */
	}
}

static void server_close(struct source *src)
{
	struct server_source *s = (struct server_source *)src;

	disconnect(s);
	free(s);
}

struct source *source_server_open(const struct source_config *conf, const struct position *from,
                                  bool nonblocking, char *err, size_t errlen)
{
	struct server_source *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.next = server_next;
	s->base.reopen = server_reopen;
	s->base.interrupt = server_interrupt;
	s->base.close = server_close;
	atomic_init(&s->fd, -1);
	s->conf = conf;
	s->nonblocking = nonblocking;
	if (connect_and_dump(s, from, err, errlen) != 0) {
		server_close(&s->base);
		return NULL;
	}
	return &s->base;
}
