/*
 * core/sqltype.c - ENUM and SET member lists from information_schema's
 * COLUMN_TYPE (see sqltype.h).
 *
 * Concurrency: reentrant; no state.
 */
#include <stdlib.h>
#include <string.h>

#include "sqltype.h"

int sqltype_parse_members(const char *type, struct meepo_strlist *out)
{
	const char *p = strchr(type, '(');
	char **names = NULL;
	uint32_t count = 0;

	out->count = 0;
	out->names = NULL;
	if (p == NULL || (strncmp(type, "enum(", 5) != 0 && strncmp(type, "set(", 4) != 0)) {
		return -1;
	}
	for (p++; *p == '\''; ) {
		size_t len = 0;
		char *name = malloc(strlen(p) + 1);
		char **grown = realloc(names, (count + 1) * sizeof(*names));
		if (name == NULL || grown == NULL) {
			abort();
		}
		names = grown;
		for (p++; *p != '\0' && !(*p == '\'' && p[1] != '\''); p++) {
			name[len++] = *p;
			p += *p == '\'' ? 1 : 0; /* '' is one quote */
		}
		name[len] = '\0';
		names[count++] = name;
		if (*p != '\'') {
			break;
		}
		p++;
		if (*p == ',') {
			p++;
		}
	}
	out->count = count;
	out->names = (const char *const *)names;
	return 0;
}

void sqltype_free_members(struct meepo_strlist *lists, uint32_t n)
{
	for (uint32_t i = 0; lists != NULL && i < n; i++) {
		for (uint32_t j = 0; j < lists[i].count; j++) {
			free((char *)lists[i].names[j]);
		}
		free((void *)lists[i].names);
	}
	free(lists);
}
