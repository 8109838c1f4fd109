// SPDX-License-Identifier: GPL-2.0
/* The `thunks` record: where the retpoline / ITS thunks are, so an indirect site's target can be named. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

static int thunk_name(const char *n)
{
	return strncmp(n, "__x86_indirect_thunk_", 21) == 0 || strncmp(n, "__x86_indirect_jump_thunk_", 26) == 0 ||
	       strncmp(n, "__x86_indirect_call_thunk_", 26) == 0 || strncmp(n, "__x86_indirect_its_thunk_", 25) == 0 ||
	       (strncmp(n, "its_", 4) == 0 && strstr(n, "thunk"));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Thunk symbols with their extent (distance to the next symbol), so an array symbol covers its members. */
void emit_thunks(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 1 << 18, n = 0, nt = 0;
	uint64_t *addrs = malloc(cap * sizeof(*addrs));
	struct {
		char name[128];
		uint64_t addr;
	} thunks[128];
	char buf[512];
	while (f && addrs && fgets(buf, sizeof(buf), f)) {
		char name[128], type;
		unsigned long long a;
		if (sscanf(buf, "%llx %c %127s", &a, &type, name) != 3 || a == 0)
			continue;
		if (n == cap) {
			uint64_t *grown = realloc(addrs, 2 * cap * sizeof(*addrs));
			if (!grown)
				break;
			addrs = grown;
			cap *= 2;
		}
		addrs[n++] = a;
		if (thunk_name(name) && nt < sizeof(thunks) / sizeof(thunks[0])) {
			snprintf(thunks[nt].name, sizeof(thunks[nt].name), "%s", name);
			thunks[nt++].addr = a;
		}
	}
	if (f)
		fclose(f);
	if (addrs)
		qsort(addrs, n, sizeof(*addrs), cmp_u64);
	begin("thunks");
	put(",\"symbols\":[");
	for (size_t i = 0; i < nt; i++) {
		size_t lo = 0, hi = n; /* binary search: first address above the thunk */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (addrs[mid] <= thunks[i].addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		uint64_t next = lo < n ? addrs[lo] : 0;
		putf("%s{\"name\":", i ? "," : "");
		put_str(thunks[i].name);
		putf(",\"addr\":\"%llx\",\"size\":%llu}", (unsigned long long)thunks[i].addr,
		     (unsigned long long)(next ? next - thunks[i].addr : 0));
	}
	put("]");
	finish();
	free(addrs);
}
