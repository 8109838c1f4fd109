// SPDX-License-Identifier: GPL-2.0
/*
 * The JIT sysctls the measurement needs, and putting them back. On the host (the running-kernel
 * backend) these are the machine's own settings: every value changed is written back at exit and on
 * any signal that ends the agent (Ctrl-C, SIGTERM from the host, a crash), before the signal's default
 * action. Only what this process changed is restored, so a value someone else set stays theirs. The
 * host side saves and restores them too (src/vm/native-settings.ts), for the one end no handler sees:
 * SIGKILL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define VALUE_LEN 64

static struct sysctl {
	const char *path, *value;
	/* value is a ceiling, not a target: a lower value found is left alone. */
	int at_most;
	/* Found before the write, and whether the write changed it (then it is restored). */
	char before[VALUE_LEN];
	int changed;
} sysctls[] = {
	/* 1 = JIT on without debug dumps; some kernels force it (BPF_JIT_ALWAYS_ON) and refuse writes. */
	{"/proc/sys/net/core/bpf_jit_enable", "1", 0, "", 0},
	/* Constant blinding would silently force the indirect path for the direct variant. */
	{"/proc/sys/net/core/bpf_jit_harden", "0", 0, "", 0},
	{"/proc/sys/net/core/bpf_jit_kallsyms", "1", 0, "", 0},
	/*
	 * So jited_ksyms / jited_prog_insns / kallsyms are not zeroed: at 1 root still reads them (CAP_SYSLOG,
	 * kallsyms_show_value), only 2 hides them from root too. No lower than that: it is the host's.
	 */
	{"/proc/sys/kernel/kptr_restrict", "1", 1, "", 0},
};
#define NSYSCTLS (sizeof(sysctls) / sizeof(sysctls[0]))

/* Only open/write/close (write_small): safe in a signal handler. */
static void restore_sysctls(void)
{
	for (size_t i = 0; i < NSYSCTLS; i++) {
		if (!sysctls[i].changed)
			continue;
		write_small(sysctls[i].path, sysctls[i].before);
		sysctls[i].changed = 0;
	}
}

static void restore_and_die(int sig)
{
	restore_sysctls();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void restore_on_exit(void)
{
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	atexit(restore_sysctls);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = restore_and_die;
		/* Another signal during the restore waits: the restore is never cut in half. */
		sigfillset(&sa.sa_mask);
		sigaction(signals[i], &sa, NULL);
	}
}

void set_sysctls(void)
{
	restore_on_exit();
	for (size_t i = 0; i < NSYSCTLS; i++) {
		struct sysctl *s = &sysctls[i];
		read_small(s->path, s->before, sizeof(s->before));
		if (s->at_most && s->before[0] && atoi(s->before) <= atoi(s->value))
			continue;
		int e = write_small(s->path, s->value);
		char now[VALUE_LEN];
		read_small(s->path, now, sizeof(now));
		s->changed = e == 0 && strcmp(now, s->before) != 0;
		/*
		 * A file that does not exist is a setting this kernel does not have (no CONFIG_BPF_JIT: no
		 * bpf_jit_* at all), not a failure: the fingerprint records it as "" and the host names the
		 * state (no-jit). Any other refusal that leaves the wrong value is an error.
		 */
		if (e != 0 && e != -ENOENT && strcmp(now, s->value) != 0)
			report_error("setup", NULL, "%s=%s: %s (now \"%s\")", s->path, s->value, strerror(-e), now);
	}
}
