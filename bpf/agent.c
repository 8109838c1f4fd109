// SPDX-License-Identifier: GPL-2.0
/*
 * tailmatrix measurement agent: runs inside the guest as root, loads the two tail-call chains,
 * dumps their JITed images and sweeps chain depths with BPF_PROG_TEST_RUN. Output is the JSON
 * Lines protocol of bpf/PROTOCOL.md on --out (never the kernel console). Linked statically against
 * bookworm's libbpf 1.1.2 so it runs in a bare busybox initramfs on any kernel 5.10 .. 7.x.
 *
 * Expected failures (load refused, retval mismatch) become `error` records and a non-zero exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define PROTOCOL_VERSION 1
/* Must match tailcall.bpf.h: 34 programs in a 40-slot array (slot 34 is never filled). */
#define CHAIN_PROGRAMS 34
/* A 64-byte Ethernet frame: the smallest frame on the wire, the same input as the reference studies. */
#define FRAME_LEN 64
/* Generous for one record: a JITed image of ~300 bytes is ~600 hex characters. */
#define LINE_MAX_LEN (256 * 1024)
/* Keep the tail of libbpf's log (the verifier's verdict is at the end) for error records. */
#define LIBBPF_LOG_KEEP 600

struct opts {
	const char *objdir;
	const char *out;
	int max_depth;
	int samples;
	int warmup;
	unsigned int repeat;
	unsigned long long seed;
	char variants[8][16];
	int nvariants;
};

static int out_fd = -1;
static int out_is_tty;
static unsigned long records;
static unsigned long errors;
static char line[LINE_MAX_LEN];
static size_t line_len;
static char libbpf_log[LIBBPF_LOG_KEEP + 1];

/* ---------- JSON line building ---------- */

static void put_raw(const char *s, size_t n)
{
	if (line_len + n >= sizeof(line) - 2)
		n = sizeof(line) - 2 - line_len; /* truncated record: the host rejects it as garbage */
	memcpy(line + line_len, s, n);
	line_len += n;
}

static void put(const char *s) { put_raw(s, strlen(s)); }

static void putf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put_raw(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void put_str(const char *s)
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

static void put_kv_str(const char *k, const char *v)
{
	putf(",\"%s\":", k);
	put_str(v ? v : "");
}

static void begin(const char *type)
{
	line_len = 0;
	putf("{\"v\":%d,\"type\":\"%s\"", PROTOCOL_VERSION, type);
}

static void finish(void)
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

static void report_error(const char *stage, const char *variant, const char *fmt, ...)
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

/* ---------- small file helpers ---------- */

/* Whole small file (proc/sysfs), trailing newline stripped; "" when absent. */
static void read_small(const char *path, char *buf, size_t size)
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

static int write_small(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

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

/* ---------- setup and fingerprint ---------- */

static void setup_system(void)
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

	static const struct {
		const char *path, *value;
		int required;
	} sysctls[] = {
		/* 1 = JIT on without debug dumps; some kernels force it (BPF_JIT_ALWAYS_ON) and refuse writes. */
		{"/proc/sys/net/core/bpf_jit_enable", "1", 0},
		/* Constant blinding would silently force the indirect path for the direct variant. */
		{"/proc/sys/net/core/bpf_jit_harden", "0", 1},
		{"/proc/sys/net/core/bpf_jit_kallsyms", "1", 0},
		/* So jited_ksyms / jited_prog_insns are not zeroed. */
		{"/proc/sys/kernel/kptr_restrict", "0", 0},
	};
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		int e = write_small(sysctls[i].path, sysctls[i].value);
		char now[64];
		read_small(sysctls[i].path, now, sizeof(now));
		if (e != 0 && strcmp(now, sysctls[i].value) != 0 && (sysctls[i].required || e != -ENOENT))
			report_error("setup", NULL, "%s=%s: %s (now \"%s\")", sysctls[i].path, sysctls[i].value, strerror(-e),
				     now);
	}
}

static int config_wanted(const char *name)
{
	static const char *const keys[] = {"RETPOLINE", "MITIGATION", "BPF_JIT",   "SPECULATION", "CPU_SRSO",
					   "CPU_IBPB",  "CPU_IBRS",   "CALL_DEPTH", "RETHUNK",     "SLS",
					   "CALL_THUNKS", "PAGE_TABLE_ISOLATION"};
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

static void emit_fingerprint(void)
{
	struct utsname u;
	char buf[4096];
	uname(&u);
	begin("fingerprint");
	put_kv_str("release", u.release);
	put_kv_str("version", u.version);
	put_kv_str("machine", u.machine);
	read_small("/proc/cmdline", buf, sizeof(buf));
	put_kv_str("cmdline", buf);
	read_small("/sys/devices/system/cpu/vulnerabilities/spectre_v2", buf, sizeof(buf));
	put_kv_str("spectre_v2", buf);
	read_small("/proc/sys/net/core/bpf_jit_enable", buf, sizeof(buf));
	put_kv_str("bpf_jit_enable", buf);
	read_small("/proc/sys/net/core/bpf_jit_harden", buf, sizeof(buf));
	put_kv_str("bpf_jit_harden", buf);
	read_small("/proc/sys/net/core/bpf_jit_kallsyms", buf, sizeof(buf));
	put_kv_str("bpf_jit_kallsyms", buf);
	read_small("/proc/sys/kernel/kptr_restrict", buf, sizeof(buf));
	put_kv_str("kptr_restrict", buf);

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

/* ---------- kallsyms: thunk addresses ---------- */

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
static void emit_thunks(void)
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

/* ---------- one variant ---------- */

struct chain {
	struct bpf_object *obj;
	int map_fd;
	int prog_fd[CHAIN_PROGRAMS];
	/* What each slot holds now: only slots that change are written (each write re-patches JIT images). */
	int filled[CHAIN_PROGRAMS];
};

static int load_chain(const struct opts *o, const char *variant, struct chain *c, char *objname, size_t objname_len)
{
	char path[4096];
	snprintf(objname, objname_len, "tailcall_%s.bpf.o", variant);
	snprintf(path, sizeof(path), "%s/%s", o->objdir, objname);
	libbpf_log[0] = '\0';
	c->obj = bpf_object__open_file(path, NULL);
	if (!c->obj) {
		report_error("open", variant, "%s: %s", path, strerror(errno));
		return -1;
	}
	int e = bpf_object__load(c->obj);
	if (e) {
		report_error("load", variant, "bpf_object__load: %d (%s): %s", e, strerror(-e), libbpf_log);
		return -1;
	}
	c->map_fd = bpf_object__find_map_fd_by_name(c->obj, "jmp_table");
	if (c->map_fd < 0) {
		report_error("load", variant, "map jmp_table not found in %s", objname);
		return -1;
	}
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "prog_%d", i);
		struct bpf_program *p = bpf_object__find_program_by_name(c->obj, name);
		c->prog_fd[i] = p ? bpf_program__fd(p) : -1;
		if (c->prog_fd[i] < 0) {
			report_error("load", variant, "program %s not found in %s", name, objname);
			return -1;
		}
	}
	return 0;
}

static int set_slot(struct chain *c, int slot, int filled)
{
	__u32 key = (__u32)slot;
	int e;
	if (c->filled[slot] == filled)
		return 0;
	if (filled) {
		e = bpf_map_update_elem(c->map_fd, &key, &c->prog_fd[slot], BPF_ANY);
	} else {
		e = bpf_map_delete_elem(c->map_fd, &key);
		if (e == -ENOENT || (e < 0 && errno == ENOENT))
			e = 0;
	}
	if (e == 0)
		c->filled[slot] = filled;
	return e;
}

static void put_hex(const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	put("\"");
	for (size_t i = 0; i < n; i++) {
		char h[2] = {digits[b[i] >> 4], digits[b[i] & 15]};
		put_raw(h, 2);
	}
	put("\"");
}

static void dump_jit(const char *variant, const struct chain *c)
{
	for (int i = 0; i < CHAIN_PROGRAMS; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(c->prog_fd[i], &info, &len)) {
			report_error("jit", variant, "prog_%d: bpf_obj_get_info_by_fd: %s", i, strerror(errno));
			continue;
		}
		__u32 img_len = info.jited_prog_len, nksyms = info.nr_jited_ksyms;
		unsigned char *img = calloc(1, img_len ? img_len : 1);
		__u64 *ksyms = calloc(nksyms ? nksyms : 1, sizeof(__u64));
		memset(&info, 0, sizeof(info));
		info.jited_prog_len = img_len;
		info.jited_prog_insns = (__u64)(uintptr_t)img;
		info.nr_jited_ksyms = nksyms;
		info.jited_ksyms = (__u64)(uintptr_t)ksyms;
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(c->prog_fd[i], &info, &len)) {
			report_error("jit", variant, "prog_%d: bpf_obj_get_info_by_fd (image): %s", i, strerror(errno));
			img_len = 0;
		}
		char symbol[64 + BPF_OBJ_NAME_LEN] = "";
		/* The kernel's own ksym name for a JITed program (kernel/bpf/core.c bpf_get_prog_name). */
		int pos = snprintf(symbol, sizeof(symbol), "bpf_prog_");
		for (int t = 0; t < BPF_TAG_SIZE; t++)
			pos += snprintf(symbol + pos, sizeof(symbol) - pos, "%02x", info.tag[t]);
		snprintf(symbol + pos, sizeof(symbol) - pos, "_%s", info.name);

		begin("jit");
		put_kv_str("variant", variant);
		putf(",\"prog\":%d,\"name\":\"prog_%d\",\"next_filled\":%s", i, i, i + 1 < CHAIN_PROGRAMS ? "true" : "false");
		putf(",\"addr\":\"%llx\",\"len\":%u", (unsigned long long)(nksyms && info.jited_ksyms ? ksyms[0] : 0),
		     img_len);
		put_kv_str("symbol", symbol);
		put(",\"hex\":");
		put_hex(img, info.jited_prog_insns ? img_len : 0);
		finish();
		if (img_len == 0)
			report_error("jit", variant, "prog_%d: empty JIT image (JIT off, kptr_restrict or not root?)", i);
		free(img);
		free(ksyms);
	}
}

static uint64_t rng_state;

/* xorshift64*: a seeded, reproducible shuffle without pulling in anything. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void sweep(const struct opts *o, const char *variant, struct chain *c)
{
	int depths[CHAIN_PROGRAMS];
	int nd = o->max_depth + 1;
	for (int d = 0; d < nd; d++)
		depths[d] = d;
	for (int d = nd - 1; d > 0; d--) { /* Fisher-Yates */
		int j = (int)(rng_next() % (uint64_t)(d + 1));
		int t = depths[d];
		depths[d] = depths[j];
		depths[j] = t;
	}

	/* Ethernet + IPv4 + UDP headers, zero payload: a valid frame for any classifier. */
	unsigned char frame[FRAME_LEN] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, 0x45, 0x00,
					  0x00, 50,   0, 0, 0x40, 0, 0x40, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
					  0x30, 0x39, 0x30, 0x39, 0x00, 30};

	for (int k = 0; k < nd; k++) {
		int depth = depths[k];
		for (int s = 1; s < CHAIN_PROGRAMS; s++) {
			if (set_slot(c, s, s <= depth)) {
				report_error("fill", variant, "depth %d slot %d: %s", depth, s, strerror(errno));
				return;
			}
		}
		for (int call = 0; call < o->warmup + o->samples; call++) {
			LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame),
				    .repeat = o->repeat);
			int e = bpf_prog_test_run_opts(c->prog_fd[0], &t);
			if (e) {
				report_error("run", variant, "depth %d: BPF_PROG_TEST_RUN: %d (%s)", depth, e, strerror(-e));
				return;
			}
			if (call < o->warmup)
				continue;
			begin("sample");
			put_kv_str("variant", variant);
			putf(",\"depth\":%d,\"duration_ns\":%u,\"retval\":%u,\"repeat\":%u", depth, t.duration, t.retval,
			     o->repeat);
			finish();
			if (t.retval != (__u32)depth)
				report_error("retval", variant, "depth %d: retval %u, expected %d", depth, t.retval, depth);
		}
	}
}

static void run_variant(const struct opts *o, const char *variant)
{
	struct chain c;
	char objname[64];
	memset(&c, 0, sizeof(c));
	if (load_chain(o, variant, &c, objname, sizeof(objname)) == 0) {
		int filled = 1;
		for (int i = 0; i < CHAIN_PROGRAMS && filled; i++) {
			if (set_slot(&c, i, 1)) {
				report_error("fill", variant, "slot %d: %s", i, strerror(errno));
				filled = 0;
			}
		}
		if (filled) {
			struct bpf_map_info mi;
			__u32 mlen = sizeof(mi);
			memset(&mi, 0, sizeof(mi));
			bpf_obj_get_info_by_fd(c.map_fd, &mi, &mlen);
			begin("variant");
			put_kv_str("variant", variant);
			put_kv_str("object", objname);
			putf(",\"programs\":%d,\"max_entries\":%u", CHAIN_PROGRAMS, mi.max_entries);
			finish();
			dump_jit(variant, &c);
			sweep(o, variant, &c);
		}
	}
	bpf_object__close(c.obj);
}

/* ---------- main ---------- */

static int parse_variants(struct opts *o, const char *list)
{
	o->nvariants = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "direct") && strcmp(tok, "indirect"))
			return -1;
		if (o->nvariants == 8)
			return -1;
		snprintf(o->variants[o->nvariants++], sizeof(o->variants[0]), "%s", tok);
	}
	return o->nvariants ? 0 : -1;
}

static int open_out(const char *path)
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

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct opts o = {.max_depth = 32, .samples = 10, .warmup = 1, .repeat = 20000};
	int have_seed = 0, bad = 0;
	char bad_msg[256] = "";
	parse_variants(&o, "direct,indirect");
	static const struct option longopts[] = {
		{"objdir", required_argument, 0, 'o'},	 {"out", required_argument, 0, 'O'},
		{"max-depth", required_argument, 0, 'd'}, {"samples", required_argument, 0, 's'},
		{"repeat", required_argument, 0, 'r'},	 {"variants", required_argument, 0, 'v'},
		{"seed", required_argument, 0, 'S'},	 {"warmup", required_argument, 0, 'w'},
		{0, 0, 0, 0},
	};
	for (int ch; (ch = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		switch (ch) {
		case 'o': o.objdir = optarg; break;
		case 'O': o.out = optarg; break;
		case 'd': o.max_depth = atoi(optarg); break;
		case 's': o.samples = atoi(optarg); break;
		case 'r': o.repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': o.warmup = atoi(optarg); break;
		case 'S': o.seed = strtoull(optarg, NULL, 0); have_seed = 1; break;
		case 'v':
			if (parse_variants(&o, optarg)) {
				bad = 1;
				snprintf(bad_msg, sizeof(bad_msg), "--variants: expected a list of direct,indirect");
			}
			break;
		default:
			bad = 1;
			snprintf(bad_msg, sizeof(bad_msg), "unknown option");
		}
	}
	if (!o.out) {
		fprintf(stderr, "usage: agent --objdir DIR --out PATH [--max-depth N] [--samples N] [--repeat N] "
				"[--variants direct,indirect] [--seed N] [--warmup N]\n");
		return 2;
	}
	out_fd = open_out(o.out);
	if (out_fd < 0) {
		fprintf(stderr, "tailmatrix-agent: cannot open %s: %s\n", o.out, strerror(errno));
		return 2;
	}
	if (!bad && !o.objdir)
		bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--objdir is required");
	if (!bad && (o.max_depth < 0 || o.max_depth > CHAIN_PROGRAMS - 1))
		bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--max-depth must be 0..%d", CHAIN_PROGRAMS - 1);
	if (!bad && (o.samples < 1 || o.warmup < 0 || o.repeat < 1))
		bad = 1, snprintf(bad_msg, sizeof(bad_msg), "--samples and --repeat must be >= 1, --warmup >= 0");
	long long t0 = now_ms();
	if (!have_seed)
		/* 32 bits: stays exact as a JSON number (< 2^53) so the host can replay the order. */
		o.seed = ((unsigned long long)time(NULL) ^ ((unsigned long long)getpid() * 2654435761ULL)) & 0xffffffffULL;
	/* xorshift must not start at 0. */
	rng_state = o.seed ? o.seed : 0x9e3779b97f4a7c15ULL;

	begin("hello");
	putf(",\"agent\":\"tailmatrix-agent\",\"protocol\":%d,\"seed\":%llu,\"max_depth\":%d,\"samples\":%d,"
	     "\"repeat\":%u,\"warmup\":%d,\"variants\":[",
	     PROTOCOL_VERSION, o.seed, o.max_depth, o.samples, o.repeat, o.warmup);
	for (int i = 0; i < o.nvariants; i++)
		putf("%s\"%s\"", i ? "," : "", o.variants[i]);
	put("]");
	finish();

	if (bad) {
		report_error("args", NULL, "%s", bad_msg);
	} else {
		libbpf_set_print(libbpf_print);
		setup_system();
		emit_fingerprint();
		emit_thunks();
		for (int i = 0; i < o.nvariants; i++)
			run_variant(&o, o.variants[i]);
	}

	begin("end");
	putf(",\"status\":\"%s\",\"errors\":%lu,\"records\":%lu,\"elapsed_ms\":%lld", errors ? "error" : "ok", errors,
	     records, now_ms() - t0);
	finish();
	close(out_fd);
	return bad ? 2 : errors ? 1 : 0;
}
