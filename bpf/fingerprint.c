// SPDX-License-Identifier: GPL-2.0
/*
 * The `fingerprint` record: what decides which jump the JIT emits and what it costs (release,
 * command line, spectre_v2, JIT sysctls, CPU model, mitigation options of the kernel's config).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "agent.h"

static int config_wanted(const char *name)
{
	static const char *const keys[] = {"RETPOLINE", "MITIGATION", "BPF_JIT",   "SPECULATION", "CPU_SRSO",
					   "CPU_IBPB",  "CPU_IBRS",   "CALL_DEPTH", "RETHUNK",     "SLS",
					   "CALL_THUNKS", "PAGE_TABLE_ISOLATION", "KALLSYMS"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strstr(name, keys[i]))
			return 1;
	return 0;
}

static void put_config(void)
{
	put(",\"config\":{");
	gzFile gz = gzopen("/proc/config.gz", "rb");
	int first = 1;
	if (gz) {
		char buf[512];
		while (gzgets(gz, buf, sizeof(buf))) {
			buf[strcspn(buf, "\n")] = '\0';
			char *name = NULL, *value = NULL;
			if (strncmp(buf, "CONFIG_", 7) == 0 && (value = strchr(buf, '='))) {
				*value++ = '\0';
				name = buf;
				if (value[0] == '"' && value[strlen(value) - 1] == '"' && strlen(value) >= 2) {
					value[strlen(value) - 1] = '\0';
					value++;
				}
			} else if (strncmp(buf, "# CONFIG_", 9) == 0 && strstr(buf, " is not set")) {
				name = buf + 2;
				*strstr(name, " is not set") = '\0';
				value = "n";
			}
			if (!name || !config_wanted(name))
				continue;
			if (!first)
				put(",");
			first = 0;
			put_str(name);
			put(":");
			put_str(value);
		}
		gzclose(gz);
	}
	put("}");
}

void emit_fingerprint(void)
{
	struct utsname u;
	char buf[4096];
	uname(&u);
	begin("fingerprint");
	put_kv_str("release", u.release);
	put_kv_str("version", u.version);
	put_kv_str("machine", u.machine);
	/* Read after setup_system(): the values the sweep ran with ("" for a file that does not exist). */
	static const struct { const char *key, *path; } files[] = {
		{"cmdline", "/proc/cmdline"},
		{"spectre_v2", "/sys/devices/system/cpu/vulnerabilities/spectre_v2"},
		{"bpf_jit_enable", "/proc/sys/net/core/bpf_jit_enable"},
		{"bpf_jit_harden", "/proc/sys/net/core/bpf_jit_harden"},
		{"bpf_jit_kallsyms", "/proc/sys/net/core/bpf_jit_kallsyms"},
		{"kptr_restrict", "/proc/sys/kernel/kptr_restrict"},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		read_small(files[i].path, buf, sizeof(buf));
		put_kv_str(files[i].key, buf);
	}
	/* No /proc/kallsyms = no CONFIG_KALLSYMS: the kernel then dumps no JIT image (bpf_dump_raw_ok). */
	putf(",\"proc_kallsyms\":%s", access("/proc/kallsyms", R_OK) == 0 ? "true" : "false");

	char model[256] = "";
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f)) {
			if (strncmp(buf, "model name", 10) == 0) {
				char *v = strchr(buf, ':');
				if (v) {
					v += 1 + strspn(v + 1, " \t");
					v[strcspn(v, "\n")] = '\0';
					snprintf(model, sizeof(model), "%s", v);
				}
				break;
			}
		}
		fclose(f);
	}
	put_kv_str("cpu_model", model);
	put_config();
	finish();
}
