// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON Lines writer (bpf/PROTOCOL.md): one record is built in a buffer and written, flushed all
 * the way out, in one go, so a guest powered off right after loses no record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"

unsigned long records;
unsigned long errors;
static int out_fd = -1;
static int out_is_tty;
static char line[LINE_MAX_LEN];
static size_t line_len;

void put_raw(const char *s, size_t n)
{
	if (line_len + n >= sizeof(line) - 2)
		n = sizeof(line) - 2 - line_len; /* truncated record: the host rejects it as garbage */
	memcpy(line + line_len, s, n);
	line_len += n;
}

void put(const char *s) { put_raw(s, strlen(s)); }

void putf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put_raw(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void put_str(const char *s)
{
	put("\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = {'\\', (char)*p};
			put_raw(e, 2);
		} else if (*p == '\n') {
			put("\\n");
		} else if (*p < 0x20 || *p >= 0x7f) {
			/* Non-ASCII bytes escaped as code points: keeps every record valid JSON whatever the kernel says. */
			putf("\\u%04x", *p);
		} else {
			put_raw((const char *)p, 1);
		}
	}
	put("\"");
}

void put_kv_str(const char *k, const char *v)
{
	putf(",\"%s\":", k);
	put_str(v ? v : "");
}

void begin(const char *type)
{
	line_len = 0;
	putf("{\"v\":%d,\"type\":\"%s\"", RECORD_VERSION, type);
}

void finish(void)
{
	put("}\n");
	size_t off = 0;
	while (off < line_len) {
		ssize_t n = write(out_fd, line + off, line_len - off);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return; /* nowhere left to report it */
		}
		off += (size_t)n;
	}
	/* The guest may be powered off right after: push each record all the way out. */
	if (out_is_tty)
		tcdrain(out_fd);
	else
		fsync(out_fd);
	records++;
}

void report_error(const char *stage, const char *variant, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errors++;
	fprintf(stderr, "tailmatrix-agent: %s: %s\n", stage, msg);
	if (out_fd < 0)
		return;
	begin("error");
	put_kv_str("stage", stage);
	if (variant)
		put_kv_str("variant", variant);
	put_kv_str("message", msg);
	finish();
}

void put_hex(const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	put("\"");
	for (size_t i = 0; i < n; i++) {
		char h[2] = {digits[b[i] >> 4], digits[b[i] & 15]};
		put_raw(h, 2);
	}
	put("\"");
}

static int open_fd(const char *path)
{
	if (strcmp(path, "-") == 0)
		return dup(STDOUT_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (isatty(fd)) {
		/* Raw: no \n -> \r\n translation, no echo, 8-bit clean. */
		struct termios tio;
		if (tcgetattr(fd, &tio) == 0) {
			cfmakeraw(&tio);
			tcsetattr(fd, TCSANOW, &tio);
		}
		out_is_tty = 1;
	} else {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			ftruncate(fd, 0);
	}
	return fd;
}

int open_out(const char *path)
{
	out_fd = open_fd(path);
	return out_fd < 0 ? -1 : 0;
}

void close_out(void)
{
	close(out_fd);
}
