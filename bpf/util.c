// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers every part of the agent uses (agent.h): the clock for elapsed stages and whole small
 * proc/sysfs files. They live here, below every other file, so no two of the agent's files call each
 * other (test/unit/bpf-agent-calls.test.ts checks it from the compiled objects).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whole small file (proc/sysfs), trailing newline stripped; "" when absent. */
void read_small(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

int write_small(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}
