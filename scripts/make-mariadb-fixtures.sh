#!/usr/bin/env bash
# scripts/make-mariadb-fixtures.sh - regenerates tests/fixtures/mariadb/.
#
# Starts a throwaway MariaDB (scripts/services.sh: ROW binlog, FULL row
# image, FULL metadata, time zone +00:00, server_id 1) and, for every
# tests/fixtures/mariadb/NAME.sql in lexical order:
#   - FLUSH BINARY LOGS, so that the file gets a binlog of its own;
#   - CREATE DATABASE NAME and runs NAME.sql in it;
#   - FLUSH BINARY LOGS again and copies that binlog to NAME.binlog;
#   - writes NAME.select.txt: for every table of NAME (by name), a line
#     "# NAME.TABLE" then `SELECT * FROM TABLE` as `mariadb -B` prints it (a
#     header line, tab-separated values, NULL as NULL, special characters
#     escaped \t \n \\ \0), except that binary strings, BIT and GEOMETRY
#     are shown as 0x and upper-case hex of their bytes.
# Then it rewrites README.md with the server version and the file list.
#
# The binlogs differ from run to run (timestamps, table ids), the
# .select.txt files do not. Usage: bash scripts/make-mariadb-fixtures.sh
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/tests/fixtures/mariadb"
cd "$ROOT" || exit 1

# shellcheck source=scripts/deps.sh
source "$ROOT/scripts/deps.sh"
# shellcheck source=scripts/services.sh
source "$ROOT/scripts/services.sh"

deps_install mariadb-server mariadb-client || exit 1
MEEPO_RUN_DIR=$(mktemp -d /tmp/meepo-fixtures.XXXXXX) || exit 1
chmod 0755 "$MEEPO_RUN_DIR"
export MEEPO_RUN_DIR
trap 'svc_stop_all; rm -rf "$MEEPO_RUN_DIR"' EXIT

PORT=$(svc_free_port 33190 33199) || exit 1
svc_start_mariadb fixtures "$PORT" meepo 1 || exit 1
DATADIR="$MEEPO_RUN_DIR/fixtures/data"

# db ARGS...: the client as root over the socket, in UTF-8.
db() {
	svc_mariadb_root fixtures --default-character-set=utf8mb4 "$@"
}

# current_binlog: the server's current binlog file name.
current_binlog() {
	db -N -B -e "SHOW MASTER STATUS" | cut -f1
}

# Column types shown as 0x + hex; the client's --binary-as-hex would print
# NULL as "0x" too, so the query does the conversion itself.
BINARY_TYPES="'binary','varbinary','tinyblob','blob','mediumblob','longblob','bit',
	'geometry','point','linestring','polygon','multipoint','multilinestring',
	'multipolygon','geometrycollection'"

# select_list SCHEMA TABLE: the columns of SELECT *, binary ones as hex.
select_list() {
	db -N -B -e "SELECT GROUP_CONCAT(IF(data_type IN ($BINARY_TYPES),
			CONCAT('IF(\`', column_name, '\` IS NULL, NULL, CONCAT(''0x'', HEX(CAST(\`',
			       column_name, '\` AS BINARY)))) AS \`', column_name, '\`'),
			CONCAT('\`', column_name, '\`')) ORDER BY ordinal_position SEPARATOR ', ')
		FROM information_schema.columns WHERE table_schema = '$1' AND table_name = '$2'"
}

# make_one NAME: the binlog and the .select.txt of NAME.sql.
make_one() {
	local name=$1 file table
	db -e "FLUSH BINARY LOGS" || return 1
	file=$(current_binlog) || return 1
	db -e "CREATE DATABASE \`$name\`" || return 1
	if ! db --database="$name" <"$OUT/$name.sql"; then
		echo "make-mariadb-fixtures: $name.sql failed" >&2
		return 1
	fi
	db -e "FLUSH BINARY LOGS" || return 1
	cp "$DATADIR/$file" "$OUT/$name.binlog" && chmod 0644 "$OUT/$name.binlog" || return 1
	for table in $(db -N -B -e "SELECT table_name FROM information_schema.tables
			WHERE table_schema = '$name' ORDER BY table_name"); do
		echo "# $name.$table"
		db -B -e "SELECT $(select_list "$name" "$table") FROM \`$name\`.\`$table\`" || return 1
	done >"$OUT/$name.select.txt"
	echo "$name: $file -> $name.binlog ($(stat -c %s "$OUT/$name.binlog") bytes)"
}

# write_readme VERSION: README.md describing the fixtures.
write_readme() {
	local f name
	{
		cat <<EOF
# MariaDB binlog fixtures

Made by \`bash scripts/make-mariadb-fixtures.sh\` (rerun it to regenerate
everything here) against **MariaDB $1**, started by
scripts/services.sh with:

    log-bin = mysql-bin, binlog_format = ROW, binlog_row_image = FULL,
    binlog_row_metadata = FULL, binlog_checksum = CRC32 (default),
    server_id = 1, default-time-zone = '+00:00', character-set-server = utf8mb4

For every \`NAME.sql\` the script ran \`FLUSH BINARY LOGS\`, then
\`CREATE DATABASE NAME\` and NAME.sql in that database, then \`FLUSH BINARY
LOGS\` again, so that:

- \`NAME.binlog\` is one complete binlog file holding exactly that: the format
  description, GTID list and binlog checkpoint events, the DDL and the rows
  events of NAME.sql, and a closing ROTATE event. CRC32 checksums are on.
  Table ids, timestamps and GTID sequence numbers are whatever the server
  gave that run.
- \`NAME.select.txt\` is the ground truth for value decoding: for every table
  of the database (by name), a line \`# NAME.TABLE\` and then the final state
  of the table as \`mariadb -B -e 'SELECT * FROM TABLE'\` prints it (time
  zone +00:00): a header line of column names, one line per row with
  tab-separated values, \`NULL\` for SQL NULL, and the batch-mode escapes
  \`\\t\`, \`\\n\`, \`\\\\\` and \`\\0\` inside text values; except that binary
  strings (BINARY, VARBINARY, BLOB), BIT and GEOMETRY columns show \`0x\` and
  the upper-case hex of their bytes (\`CONCAT('0x', HEX(CAST(col AS
  BINARY)))\`; an empty value is \`0x\`, NULL stays \`NULL\`).
  The decoded after image of the last event of each row must print the same.
- \`seed1.print.txt\` and \`seed2.print.txt\` (written by hand from
  seed-examples.md, not by the script) are the exact output of the print
  sink (format "meepo") for seed1.binlog and seed2.binlog.

| file | what it covers |
| --- | --- |
EOF
		for f in "$OUT"/*.sql; do
			name=$(basename "$f" .sql)
			printf '| %s.sql | %s |\n' "$name" \
				"$(sed -n '1,/^[^-]/{/^-- /{s/^-- //;p}}' "$f" | tr '\n' ' ' | sed 's/ *$//')"
		done
	} >"$OUT/README.md"
}

status=0
for sql in "$OUT"/*.sql; do
	make_one "$(basename "$sql" .sql)" || { status=1; break; }
done
if ((status == 0)); then
	write_readme "$(db -N -B -e 'SELECT VERSION()')"
	echo "fixtures written to $OUT ($(du -cb "$OUT"/*.binlog | tail -1 | cut -f1) bytes of binlog)"
fi
exit $status
