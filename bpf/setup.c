// SPDX-License-Identifier: GPL-2.0
/*
 * What the measurement needs from the system before anything loads: /proc and /sys, the memlock
 * limit, the JIT sysctls (sysctls.c); and libbpf's log, kept so a refused load can say why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent.h"

static char libbpf_log[LIBBPF_LOG_KEEP + 1];

static void libbpf_print_keep(const char *msg)
{
	size_t have = strlen(libbpf_log), add = strlen(msg);
	if (add >= LIBBPF_LOG_KEEP) {
		memcpy(libbpf_log, msg + add - LIBBPF_LOG_KEEP, LIBBPF_LOG_KEEP);
		libbpf_log[LIBBPF_LOG_KEEP] = '\0';
		return;
	}
	if (have + add > LIBBPF_LOG_KEEP) {
		size_t drop = have + add - LIBBPF_LOG_KEEP;
		memmove(libbpf_log, libbpf_log + drop, have - drop + 1);
		have -= drop;
	}
	memcpy(libbpf_log + have, msg, add + 1);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	libbpf_print_keep(msg);
	if (level != LIBBPF_DEBUG)
		fputs(msg, stderr);
	return 0;
}

void capture_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

void libbpf_log_clear(void)
{
	libbpf_log[0] = '\0';
}

/* The tail of what libbpf said since libbpf_log_clear() (the verifier's verdict is at the end). */
const char *libbpf_log_tail(void)
{
	return libbpf_log;
}

void setup_system(void)
{
	struct stat st;
	/* The init normally mounts these; a bare init may not have. */
	if (stat("/proc/self", &st) != 0)
		mount("proc", "/proc", "proc", 0, NULL);
	if (stat("/sys/kernel", &st) != 0)
		mount("sysfs", "/sys", "sysfs", 0, NULL);

	/* Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK (64 KiB by default). */
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
		/* Not allowed to raise the hard limit (a container): the soft one up to it is the best we get. */
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}

	set_sysctls();
}
