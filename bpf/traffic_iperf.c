// SPDX-License-Identifier: GPL-2.0
/*
 * iperf3 for Benchmark 2: the server in the receiver's namespace for a whole variant, one client run per
 * depth in the sender's, its JSON (-J) captured for the host to parse. Children die with the agent
 * (PR_SET_PDEATHSIG), so a killed agent leaves no iperf3 holding a namespace alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "agent.h"

/* iperf3's default port, 5201, as /proc/net/tcp prints it. */
#define IPERF_PORT_HEX ":1451"
#define TCP_LISTEN "0A"
/* The server is up in milliseconds natively, a few seconds in a loaded TCG guest. */
#define SERVER_WAIT_MS 30000

static pid_t spawn(int ns, const char *const argv[], int out_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127); /* the agent died before the prctl */
	if (enter_ns(ns) != 0)
		_exit(126);
	int null = open("/dev/null", O_RDWR);
	dup2(null, STDIN_FILENO);
	dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
	if (out_fd < 0)
		dup2(null, STDERR_FILENO);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "tailmatrix-agent: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* A listening socket on iperf3's port in the agent's current namespace (/proc/self/net follows it). */
static int listening(void)
{
	FILE *f = fopen("/proc/self/net/tcp", "re");
	if (!f)
		return 0;
	char line[256];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64], remote[64], st[8];
		if (sscanf(line, "%*d: %63s %63s %7s", local, remote, st) == 3)
			found = strstr(local, IPERF_PORT_HEX) && strcmp(st, TCP_LISTEN) == 0;
	}
	fclose(f);
	return found;
}

int start_iperf_server(const struct traffic_net *n, const char *iperf3)
{
	const char *argv[] = {iperf3, "-s", "-B", TRAFFIC_RX_ADDR, NULL};
	pid_t pid = spawn(n->rx_ns, argv, -1);
	if (pid < 0) {
		report_error("iperf3", NULL, "fork: %s", strerror(errno));
		return -1;
	}
	enter_ns(n->rx_ns);
	int up = 0;
	for (int waited = 0; !up && waited < SERVER_WAIT_MS; waited += 20) {
		up = listening();
		if (!up && waitpid(pid, NULL, WNOHANG) == pid) {
			pid = 0;
			break;
		}
		if (!up)
			usleep(20000);
	}
	enter_ns(n->home);
	if (!up) {
		report_error("iperf3", NULL, "%s -s %s (%s)", iperf3, pid == 0 ? "exited at once: is iperf3 installed and runnable?" : "did not listen",
			     pid == 0 ? "see the console" : "timeout");
		if (pid > 0)
			stop_child(pid);
		return -1;
	}
	return pid;
}

void stop_child(int pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int run_iperf_client(const struct traffic_net *n, const struct traffic_opts *t, char *json, size_t json_size, void (*tick)(void *),
		     void *ctx)
{
	char secs[16], rate[32], len[16];
	snprintf(secs, sizeof(secs), "%d", (t->duration_ms + 999) / 1000);
	snprintf(rate, sizeof(rate), "%llu", (unsigned long long)t->udp_rate * (unsigned long long)t->udp_len * 8ULL);
	snprintf(len, sizeof(len), "%d", t->udp_len);
	const char *argv[16] = {t->iperf3, "-c", TRAFFIC_RX_ADDR, "-J", "-i", "0", "-t", secs};
	int argc = 8;
	if (t->udp) {
		argv[argc++] = "-u";
		argv[argc++] = "-b";
		argv[argc++] = rate;
		argv[argc++] = "-l";
		argv[argc++] = len;
	}
	argv[argc] = NULL;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = spawn(n->tx_ns, argv, p[1]);
	close(p[1]);
	size_t have = 0;
	char drain[4096];
	long long next = now_ms() + t->sub_ms;
	for (;;) {
		/* Between reads the sub-window ticks: the pipe is polled up to the next one, which runs on time however iperf3 writes. */
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		long long wait = next - now_ms();
		int ready = poll(&pfd, 1, wait > 0 ? (int)wait : 0);
		if (ready == 0 || now_ms() >= next) {
			tick(ctx);
			/* A stalled agent (a loaded guest) skips the ticks it missed rather than taking them back to back. */
			long long after = now_ms();
			next += t->sub_ms;
			if (next <= after)
				next = after + t->sub_ms;
		}
		if (ready == 0 || (ready < 0 && errno == EINTR))
			continue;
		/* Past the buffer the rest is read and dropped (never left to block the child): the host then sees invalid JSON and says so. */
		int full = have == json_size - 1;
		ssize_t r = full ? read(p[0], drain, sizeof(drain)) : read(p[0], json + have, json_size - 1 - have);
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
		if (r > 0 && !full)
			have += (size_t)r;
	}
	json[have] = '\0';
	close(p[0]);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
