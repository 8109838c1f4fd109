// SPDX-License-Identifier: GPL-2.0
/*
 * Samples that cannot be contaminated silently (bpf/PROTOCOL.md, "isolation" and "sample").
 *
 * BPF_PROG_TEST_RUN for tc programs disables migration while it times, not preemption: on a kernel
 * with full or lazy preemption whatever runs in between counts in `duration`. So the sweep runs pinned
 * to one CPU at a modest SCHED_FIFO priority (nothing of the normal class can preempt it), and every
 * timed call is bracketed by the thread's context-switch counters (getrusage(RUSAGE_THREAD)) and its
 * run time (/proc/thread-self/schedstat, recorded beside the wall time of the window): a call during
 * which the thread was switched out is contaminated, and sweep.c re-takes it.
 *
 * Only this process's own scheduling is changed (affinity and policy are per-thread), nothing
 * host-wide: RT throttling (sched_rt_runtime_us, or the fair server on 6.12+) stays as the host has it,
 * so a runaway sweep still leaves the CPU 5 % to everything else. What it changed is put back after the
 * sweep (restore_isolation), since the traffic benchmark's iperf3 children must not inherit it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* Low among real-time priorities: above every normal task, below the kernel's own RT threads (irq threads at 50). */
#define SWEEP_FIFO_PRIORITY 5

/* CPUs whose /proc/stat times are kept for the `load` record; a machine with more is summed over these. */
#define LOAD_MAX_CPUS 1024

static int schedstat_fd = -1;
static int saved_policy = -1;
static struct sched_param saved_param;
static cpu_set_t saved_cpus;
static int saved_cpus_ok;

/* The thread's total run time in ns (first field of schedstat), or -1 when the kernel has none to give. */
static long long run_time_ns(void)
{
	char buf[128];
	if (schedstat_fd < 0)
		return -1;
	ssize_t n = pread(schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *end;
	long long v = strtoll(buf, &end, 10);
	/* "0 0 0" is what a kernel without sched_info accounting prints: no figure, not zero run time. */
	return end == buf || v <= 0 ? -1 : v;
}

/*
 * What else the machine did during the sweep (the `load` record, bpf/PROTOCOL.md). The sweep's own thread
 * is checked per call (window_open/close); the rest of the machine is not, and it matters: other work on
 * the machine's other CPUs moved a hardware curve's knee on the development host, and a hypervisor that
 * takes the measuring CPU away (steal) is invisible to the thread's own run time. So /proc/stat's per-CPU
 * times are read when the sweep starts and when it ends.
 */
struct cpu_times {
	unsigned long long busy, total, steal;
};
static struct cpu_times load_start[LOAD_MAX_CPUS];
static int load_ncpus = -1, load_cpu = -1;

/* Per-CPU times (USER_HZ ticks) from /proc/stat into t[N] for each "cpuN" line; the highest N + 1, or -1. */
static int read_cpu_times(struct cpu_times *t)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	char line[512];
	int n = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned cpu;
		unsigned long long v[8] = {0};
		/* user nice system idle iowait irq softirq steal (guest time is inside user). */
		if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) < 5 ||
		    cpu >= LOAD_MAX_CPUS)
			continue;
		unsigned long long total = 0;
		for (int i = 0; i < 8; i++)
			total += v[i];
		t[cpu] = (struct cpu_times){.busy = total - v[3] - v[4], .total = total, .steal = v[7]};
		if ((int)cpu + 1 > n)
			n = (int)cpu + 1;
	}
	fclose(f);
	return n;
}

/* The `load` record: the other CPUs' busy share and the measuring CPU's steal share over the sweep, in %. */
static void put_load(void)
{
	static struct cpu_times end[LOAD_MAX_CPUS];
	int n = read_cpu_times(end);
	if (load_ncpus < 1 || n != load_ncpus)
		return;
	unsigned long long busy = 0, total = 0;
	for (int i = 0; i < n; i++) {
		if (i == load_cpu)
			continue;
		busy += end[i].busy - load_start[i].busy;
		total += end[i].total - load_start[i].total;
	}
	begin("load");
	putf(",\"cpus\":%d,\"cpu\":%d", n, load_cpu);
	if (total > 0)
		putf(",\"others_busy_pct\":%.1f", 100.0 * (double)busy / (double)total);
	else
		put(",\"others_busy_pct\":null");
	unsigned long long own = load_cpu >= 0 ? end[load_cpu].total - load_start[load_cpu].total : 0;
	if (own > 0)
		putf(",\"steal_pct\":%.1f", 100.0 * (double)(end[load_cpu].steal - load_start[load_cpu].steal) / (double)own);
	else
		put(",\"steal_pct\":null");
	finish();
}

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void window_open(struct sched_window *w)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	w->nvcsw = ru.ru_nvcsw;
	w->nivcsw = ru.ru_nivcsw;
	w->run_ns = run_time_ns();
	/* Last: the wall window is inside the run-time window, so a clean call has run >= wall. */
	w->wall_ns = mono_ns();
}

void window_close(struct sched_window *w)
{
	long long wall_end = mono_ns();
	long long run_end = run_time_ns();
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	w->wall_ns = wall_end - w->wall_ns;
	w->run_ns = w->run_ns >= 0 && run_end >= 0 ? run_end - w->run_ns : -1;
	w->nvcsw = ru.ru_nvcsw - w->nvcsw;
	w->nivcsw = ru.ru_nivcsw - w->nivcsw;
	/*
	 * Any switch counts, voluntary or not: the kernel counts a cond_resched() of a running task as
	 * involuntary too, and from here a switch it paused the timer for cannot be told from one it did not.
	 * Run time against wall time is recorded, not judged: on a 6.18 KVM guest (kvm-clock, no steal
	 * counted) it lagged the wall time by up to the whole window with no switch while duration x repeat
	 * matched the wall time, so a shortfall without a switch is no proof the thread was away.
	 */
	w->contaminated = w->nvcsw > 0 || w->nivcsw > 0;
}

void put_window(const struct sched_window *w)
{
	putf(",\"voluntary\":%ld,\"involuntary\":%ld,\"wall_ns\":%lld,", w->nvcsw, w->nivcsw, w->wall_ns);
	if (w->run_ns >= 0)
		putf("\"run_ns\":%lld", w->run_ns);
	else
		put("\"run_ns\":null");
	putf(",\"contaminated\":%s", w->contaminated ? "true" : "false");
}

void isolate_sweep(int skip)
{
	char pin_error[160] = "", policy_error[160] = "";
	int cpu = sched_getcpu(), pinned = 0, fifo = 0;
	schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	int schedstat = run_time_ns() >= 0;

	saved_cpus_ok = sched_getaffinity(0, sizeof(saved_cpus), &saved_cpus) == 0;
	if (skip) {
		snprintf(pin_error, sizeof(pin_error), "not asked (--no-isolate)");
	} else if (cpu < 0) {
		snprintf(pin_error, sizeof(pin_error), "sched_getcpu: %s", strerror(errno));
	} else {
		/* The CPU it already runs on: no migration, and its caches are the warm ones. */
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			pinned = 1;
		else
			snprintf(pin_error, sizeof(pin_error), "sched_setaffinity(cpu %d): %s", cpu, strerror(errno));
	}

	saved_policy = sched_getscheduler(0);
	sched_getparam(0, &saved_param);
	struct sched_param sp = {.sched_priority = SWEEP_FIFO_PRIORITY};
	if (skip)
		snprintf(policy_error, sizeof(policy_error), "not asked (--no-isolate)");
	else if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0)
		fifo = 1;
	else
		snprintf(policy_error, sizeof(policy_error), "sched_setscheduler(SCHED_FIFO, %d): %s", SWEEP_FIFO_PRIORITY, strerror(errno));

	begin("isolation");
	putf(",\"cpu\":%d,\"pinned\":%s", cpu, pinned ? "true" : "false");
	put_kv_str("pin_error", pin_error);
	putf(",\"policy\":\"%s\",\"priority\":%d", fifo ? "fifo" : "other", fifo ? SWEEP_FIFO_PRIORITY : 0);
	put_kv_str("policy_error", policy_error);
	putf(",\"schedstat\":%s", schedstat ? "true" : "false");
	finish();
	/* Unpinned, no one CPU is the sweep's: every CPU counts as "other". */
	load_cpu = pinned ? cpu : -1;
	load_ncpus = read_cpu_times(load_start);
}

void restore_isolation(void)
{
	put_load();
	load_ncpus = -1;
	if (saved_policy >= 0)
		sched_setscheduler(0, saved_policy, &saved_param);
	if (saved_cpus_ok)
		sched_setaffinity(0, sizeof(saved_cpus), &saved_cpus);
	if (schedstat_fd >= 0)
		close(schedstat_fd);
	saved_policy = -1, saved_cpus_ok = 0, schedstat_fd = -1;
}
