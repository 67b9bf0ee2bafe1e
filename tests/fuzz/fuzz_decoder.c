/*
 * tests/fuzz/fuzz_decoder.c - libFuzzer target for the pure binlog decoder.
 *
 * The input is a binlog file (magic, then events). It is walked twice with
 * the core/binlog API through the unit tests' walker: once strictly, once
 * letting CRC32 mismatches through so that mutations reach the event
 * parsers (TABLE_MAP, rows and values, GTIDs, QUERY, payloads) instead of
 * stopping at the checksum. Results are ignored: the decoder must only
 * never crash, leak or read out of bounds.
 *
 * Concurrency: libFuzzer calls the entry point from one thread.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk_stats *st = calloc(1, sizeof(*st));
	char err[512];

	if (st == NULL) {
		return 0;
	}
	(void)walk_binlog(data, size, st, err, sizeof(err));
	memset(st, 0, sizeof(*st));
	st->lenient_crc = true;
	(void)walk_binlog(data, size, st, err, sizeof(err));
	free(st);
	return 0;
}
