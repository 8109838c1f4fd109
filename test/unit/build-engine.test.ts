// The build engine's control flow on a miniature "kernel" (a Makefile that answers kbuild's targets in
// milliseconds), served as a tarball by a local HTTP server: download + SHA256, work tree, patches,
// config check, out-of-tree make, publication into the cache, cache hits, and Ctrl-C mid-build leaving
// nothing half-published. The real kernel build is the slow test's job.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileKernel, type BuildEvent } from '../../src/kernels/from-source/compile.js';
import { planBuild } from '../../src/kernels/from-source/inputs.js';
import { KernelCache } from '../../src/kernels/cache.js';
import { execOrThrow } from '../../src/util/exec.js';
import { fetchAll } from '../../src/kernels/index.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { tryLock } from '../../src/util/file-lock.js';

const MAKEFILE = `# A stand-in for kbuild: the same targets and variables, no compiler.
O ?= .
SLEEP ?= 0
.PHONY: tinyconfig defconfig olddefconfig all modules_install
tinyconfig defconfig:
\tmkdir -p $(O) && printf '# base $@\\n# CONFIG_MODULES is not set\\n' > $(O)/.config
olddefconfig:
\t@# Like Kconfig: BPF_JIT needs MODULES; without it the option silently disappears.
\tgrep -q '^CONFIG_MODULES=y' $(O)/.config || sed -i '/^CONFIG_BPF_JIT=/d' $(O)/.config
all:
\t@echo "  CC      kernel/bpf/verifier.o"
\tsleep $(SLEEP)
\tmkdir -p $(O)/arch/x86/boot $(O)/arch/arm64/boot $(O)/include/config
\t@# arm64 (ARCH=arm64): an Image whose header has the "ARM\\x64" magic at 56, then what make was given.
\tif [ "$(ARCH)" = arm64 ]; then head -c 56 /dev/zero > $(O)/arch/arm64/boot/Image; printf 'ARMd' >> $(O)/arch/arm64/boot/Image; \\
\t  echo " ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE) CC=$(CC)" | cat - $(O)/.config >> $(O)/arch/arm64/boot/Image; \\
\telse cat $(CURDIR)/kernel/bpf/verifier.c $(O)/.config > $(O)/arch/x86/boot/bzImage; fi
\techo '0000000000000000 T _text' > $(O)/System.map
\techo 6.1.999 > $(O)/include/config/kernel.release
\t: > $(O)/modules.order
modules_install:
\tmkdir -p $(INSTALL_MOD_PATH)/lib/modules/6.1.999
\techo kernel/net/sched/cls_bpf.ko > $(INSTALL_MOD_PATH)/lib/modules/6.1.999/modules.builtin
\t: > $(INSTALL_MOD_PATH)/lib/modules/6.1.999/modules.dep
`;

const KCONFIG = `config MODULES
	bool "Enable loadable module support"
config BPF_JIT
	bool "Enable BPF Just In Time compiler"
	depends on MODULES
`;

const PATCH = `--- a/kernel/bpf/verifier.c
+++ b/kernel/bpf/verifier.c
@@ -1 +1 @@
-int record_poke = 1;
+int record_poke = 0;
`;

let dir: string;
let server: http.Server;
let tarball: { url: string; sha256: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-build-engine-'));
  const src = path.join(dir, 'src', 'linux-mini');
  await mkdir(path.join(src, 'kernel', 'bpf'), { recursive: true });
  await writeFile(path.join(src, 'Makefile'), MAKEFILE);
  await writeFile(path.join(src, 'Kconfig'), KCONFIG);
  await writeFile(path.join(src, 'kernel', 'bpf', 'verifier.c'), 'int record_poke = 1;\n');
  const tarFile = path.join(dir, 'linux-mini.tar.xz');
  await execOrThrow('tar', ['-cJf', tarFile, '-C', path.join(dir, 'src'), 'linux-mini']);
  const bytes = await readFile(tarFile);
  server = http.createServer((req, res) => {
    if (req.url === '/linux-mini.tar.xz') res.end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  tarball = { url: `http://127.0.0.1:${port}/linux-mini.tar.xz`, sha256: createHash('sha256').update(bytes).digest('hex') };
  await writeFile(path.join(dir, 'good.config'), 'CONFIG_MODULES=y\nCONFIG_BPF_JIT=y\nCONFIG_NOT_IN_THIS_KERNEL=y\n');
  await writeFile(path.join(dir, 'naive.config'), 'CONFIG_BPF_JIT=y\n');
  await writeFile(path.join(dir, 'no-poke.patch'), PATCH);
  // A developer's own complete .config: MODULES on (tinyconfig has it off), and a symbol of their own.
  await writeFile(path.join(dir, 'own.config'), 'CONFIG_MODULES=y\nCONFIG_DEVELOPER_OWN=y\n');
  await writeFile(path.join(dir, 'own-without-modules.config'), '# CONFIG_MODULES is not set\nCONFIG_DEVELOPER_OWN=y\n');
});

afterAll(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

function plan(opts: { fragment?: string; patches?: string[]; config?: string } = {}) {
  return planBuild({
    source: { kind: 'tarball', url: tarball.url, sha256: tarball.sha256 },
    patchFiles: (opts.patches ?? []).map((p) => path.join(dir, p)),
    base: 'tinyconfig',
    ...(opts.config !== undefined ? { configFile: path.join(dir, opts.config) } : {}),
    fragmentFiles: [path.join(dir, opts.fragment ?? 'good.config')],
  });
}

async function build(
  cache: KernelCache,
  p: Awaited<ReturnType<typeof plan>>,
  extra: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; onEvent?: (e: BuildEvent) => void } = {},
) {
  if (!p.ok) throw new Error(JSON.stringify(p.error));
  return compileKernel(p.value, { id: 'mini', cache, origin: 'build:test', jobs: 1, ...extra });
}

// make, git and tar several times per case: seconds each when other jobs share the two cores.
describe('build engine (miniature kernel tree over HTTP)', { timeout: 60_000 }, () => {
  it('downloads, configures, checks, builds out of tree and publishes; the same inputs are a cache hit', async () => {
    const cache = new KernelCache(path.join(dir, 'cache-a'));
    const events: BuildEvent[] = [];
    const first = await build(cache, await plan(), { onEvent: (e) => events.push(e) });
    if (!first.ok) throw new Error(JSON.stringify(first.error));
    const b = first.value;
    expect(b.cached).toBe(false);
    expect(events.filter((e) => e.type === 'phase').map((e) => (e.type === 'phase' ? e.phase : ''))).toEqual([
      'source',
      'patch',
      'configure',
      'compile',
      'install',
    ]);
    expect(events).toContainEqual({ type: 'line', line: '  CC      kernel/bpf/verifier.o' });
    expect(b.kernel.release).toBe('6.1.999');
    expect(path.basename(b.kernel.vmlinuz)).toBe('vmlinuz-6.1.999');
    expect(await readFile(b.kernel.vmlinuz, 'utf8')).toContain('int record_poke = 1;');
    expect(await readFile(b.kernel.config!, 'utf8')).toMatch(/^CONFIG_BPF_JIT=y$/m);
    expect(b.kernel.systemMap).toBeDefined();
    expect(await readFile(path.join(b.kernel.modulesDir!, 'modules.builtin'), 'utf8')).toContain('cls_bpf.ko');
    expect(b.configCheck).toMatchObject({ ok: true, checked: 2, unknown: ['NOT_IN_THIS_KERNEL'] });
    // The source tree stays clean: make ran with O= into the object directory.
    expect((await readdir(path.join(dir, 'cache-a', 'build', 'sources'))).length).toBe(1);
    expect(b.objDir).toMatch(/\/build\/objs\/tar-[0-9a-f]{16}-tinyconfig-[0-9a-f]{12}$/);
    const log = await readFile(b.logFile!, 'utf8');
    expect(log).toContain('$ make -C ');
    expect(log).toContain('config check: 2 options verified; unknown to this kernel: NOT_IN_THIS_KERNEL');
    expect(await readFile(path.join(b.kernel.dir, 'root', 'build.log'), 'utf8')).toContain('kernel/bpf/verifier.o');

    const again = await build(cache, await plan());
    expect(again.ok && again.value.cached).toBe(true);
    expect(again.ok && again.value.kernel.sha256).toBe(b.kernel.sha256);
  });

  it('a patch gives a new kernel built in the same object directory', async () => {
    const cache = new KernelCache(path.join(dir, 'cache-a'));
    const plain = await build(cache, await plan());
    const patched = await build(cache, await plan({ patches: ['no-poke.patch'] }));
    if (!plain.ok || !patched.ok) throw new Error('build failed');
    expect(patched.value.cached).toBe(false);
    expect(patched.value.inputsHash).not.toBe(plain.value.inputsHash);
    expect(patched.value.objDir).toBe(plain.value.objDir ?? patched.value.objDir);
    expect(await readFile(patched.value.kernel.vmlinuz, 'utf8')).toContain('int record_poke = 0;');
    // The unpatched kernel is still in the cache, untouched.
    expect(await readFile(plain.value.kernel.vmlinuz, 'utf8')).toContain('int record_poke = 1;');
  });

  it('fails the config check with the dropped option and the dependency that is off', async () => {
    const cache = new KernelCache(path.join(dir, 'cache-b'));
    const r = await build(cache, await plan({ fragment: 'naive.config' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ badInput: true });
    const message = typeof r.error === 'string' ? r.error : r.error.message;
    expect(message).toContain('the kernel config lacks options the benchmarks need (1)');
    expect(message).toContain('CONFIG_BPF_JIT: wanted y, got n');
    expect(message).toContain('unmet: MODULES=n');
  });

  it("--config FILE: the user's own .config is the base (no make tinyconfig), the fragments go on top and are still checked", async () => {
    const cache = new KernelCache(path.join(dir, 'cache-own'));
    // naive.config asks for BPF_JIT alone: on tinyconfig it fails (previous test); on this .config MODULES is on.
    const own = await build(cache, await plan({ fragment: 'naive.config', config: 'own.config' }));
    if (!own.ok) throw new Error(JSON.stringify(own.error));
    const built = await readFile(own.value.kernel.vmlinuz, 'utf8');
    expect(built).toMatch(/^CONFIG_DEVELOPER_OWN=y$/m);
    expect(built).toMatch(/^CONFIG_BPF_JIT=y$/m);
    expect(built).not.toContain('# base tinyconfig');
    expect(own.value.objDir).toMatch(/-own-config-[0-9a-f]{12}$/);
    const plain = await plan({ fragment: 'naive.config' });
    expect(plain.ok && own.value.inputsHash).not.toBe(plain.ok && plain.value.inputsHash);
    // The check still stands: a .config without what the benchmark needs is refused, naming it.
    const lacking = await build(cache, await plan({ fragment: 'naive.config', config: 'own-without-modules.config' }));
    expect(!lacking.ok && lacking.error).toMatchObject({ badInput: true });
    const message = lacking.ok ? '' : typeof lacking.error === 'string' ? lacking.error : lacking.error.message;
    expect(message).toContain('CONFIG_BPF_JIT: wanted y, got n');
    // A file that is not there is named.
    const missing = await plan({ config: 'no-such.config' });
    expect(!missing.ok && missing.error).toMatchObject({
      badInput: true,
      message: expect.stringContaining(`base .config ${path.join(dir, 'no-such.config')}: ENOENT`),
    });
  });

  it('run --tree --make-jobs: a build kernel of a run is made with that many make jobs (the fetch step passes them on)', async () => {
    const m = parseMatrix({
      kernels: [{ id: 'mini', source: { type: 'build', tarball, fragments: [path.join(dir, 'good.config')] } }],
      boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
      benchmarks: [{ name: 'test-run', type: 'test-run' }],
    });
    if (!m.ok) throw new Error(m.error.join('\n'));
    const lines: string[] = [];
    const r = await fetchAll(
      {
        matrix: m.value,
        matrixFile: path.join(dir, 'matrix.json'),
        lockFile: path.join(dir, 'jobs.lock.json'),
        cache: new KernelCache(path.join(dir, 'cache-jobs')),
        makeJobs: 3,
      },
      (e) => {
        if (e.type === 'kernel-log') lines.push(e.line);
      },
    );
    expect(r.failures).toEqual([]);
    expect(
      lines.find((l) => l.startsWith('build: compile')),
      lines.join('\n'),
    ).toMatch(/^build: compile \(make -j3[ )]/);
  });

  it('an arm64 kernel is cross-compiled: ARCH and CROSS_COMPILE from the profile, its own object directory and key, arm64.config last, the Image published', async () => {
    const fragments = [path.join(dir, 'good.config')];
    const m = parseMatrix({
      kernels: [
        { id: 'mini', source: { type: 'build', tarball, fragments } },
        { id: 'mini-arm64', arch: 'arm64', source: { type: 'build', tarball, fragments } },
      ],
      boots: [{ name: 'default' }],
      benchmarks: [{ name: 'test-run', type: 'test-run' }],
    });
    if (!m.ok) throw new Error(m.error.join('\n'));
    const lines: string[] = [];
    const cache = new KernelCache(path.join(dir, 'cache-arm64'));
    const r = await fetchAll(
      { matrix: m.value, matrixFile: path.join(dir, 'matrix.json'), lockFile: path.join(dir, 'arm64.lock.json'), cache, makeJobs: 1 },
      (e) => {
        if (e.type === 'kernel-log') lines.push(e.line);
      },
    );
    expect(r.failures).toEqual([]);
    const amd = r.kernels.get('mini');
    const arm = r.kernels.get('mini-arm64');
    expect([amd?.arch, arm?.arch]).toEqual(['amd64', 'arm64']);
    expect(lines.filter((l) => l.startsWith('build: compile'))).toEqual([
      expect.stringMatching(/^build: compile \(make -j1 \(ccache\)\)$|^build: compile \(make -j1\)$/),
      expect.stringMatching(/^build: compile \(make -j1 ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-[ )]/),
    ]);
    const image = await readFile(arm!.vmlinuz, 'latin1');
    expect(image.slice(56, 60)).toBe('ARM\x64');
    expect(image).toMatch(/ ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC=(ccache )?aarch64-linux-gnu-gcc\n/);
    // arm64.config comes after the matrix's fragments (it turns off what tailmatrix.config asks of x86 only).
    const config = await readFile(arm!.config!, 'utf8');
    expect(config.indexOf('kernels/configs/arm64.config')).toBeGreaterThan(config.indexOf('good.config'));
    expect(config).toMatch(/^CONFIG_SERIAL_AMBA_PL011_CONSOLE=y$/m);
    expect(await readFile(amd!.config!, 'utf8')).not.toContain('arm64.config');
    // One object directory per architecture, both from the one work tree.
    const objs = await readdir(path.join(cache.root, 'build', 'objs'));
    expect(objs.filter((o) => o.endsWith('-arm64'))).toHaveLength(1);
    expect(objs).toHaveLength(2);
    expect(await readdir(path.join(cache.root, 'build', 'sources'))).toHaveLength(1);
    expect(arm!.sha256).not.toBe(amd!.sha256);
  });

  it('an arm64 build without the cross compiler stops before make, naming the package and setup --with-arm64', async () => {
    const r = await planBuild({
      source: { kind: 'tarball', url: tarball.url, sha256: tarball.sha256 },
      patchFiles: [],
      base: 'tinyconfig',
      fragmentFiles: [path.join(dir, 'good.config')],
      arch: 'arm64',
      env: { PATH: path.join(dir, 'no-compilers-here') },
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(
      /^no C compiler aarch64-linux-gnu-gcc: .*\(install gcc-aarch64-linux-gnu to build arm64 kernels: scripts\/setup\.sh --with-arm64\)$/s,
    );
  });

  it('Ctrl-C during make stops it, publishes nothing, and the next build completes', async () => {
    const cache = new KernelCache(path.join(dir, 'cache-c'));
    const ac = new AbortController();
    const started = Date.now();
    const r = await build(cache, await plan(), {
      signal: ac.signal,
      env: { ...process.env, SLEEP: '60' },
      onEvent: (e) => {
        if (e.type === 'line' && e.line.includes('verifier.o')) ac.abort();
      },
    });
    if (r.ok) throw new Error('the build was not stopped');
    expect(typeof r.error === 'string' ? r.error : '').toMatch(/^kernel build canceled/);
    // make's sleep was killed with its process group, not waited for.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await readdir(path.join(dir, 'cache-c', 'kernels')).catch(() => [])).toEqual([]);
    // Lock files stay (they are OS locks, never deleted); none of the build's is still held.
    for (const name of (await readdir(path.join(dir, 'cache-c', 'locks'))).filter((n) => !n.startsWith('use-'))) {
      const free = await tryLock(path.join(dir, 'cache-c', 'locks', name.replace(/\.lock$/, '')));
      expect(free, name).toBeDefined();
      await free?.();
    }

    const again = await build(cache, await plan());
    expect(again.ok && again.value.cached).toBe(false);
    expect(again.ok && again.value.kernel.release).toBe('6.1.999');
  }, 30_000);

  it('a timeout stops make the same way', async () => {
    const cache = new KernelCache(path.join(dir, 'cache-d'));
    const p = await plan();
    if (!p.ok) throw new Error('plan');
    const r = await compileKernel(p.value, {
      id: 'mini',
      cache,
      origin: 'build:test',
      jobs: 1,
      env: { ...process.env, SLEEP: '60' },
      timeoutMs: 3_000,
    });
    if (r.ok) throw new Error('the build was not stopped');
    expect(typeof r.error === 'string' ? r.error : '').toMatch(/^kernel build timed out/);
    expect(await readdir(path.join(dir, 'cache-d', 'kernels')).catch(() => [])).toEqual([]);
  }, 30_000);
});

describe('build from a local git tree (the `run --tree` loop)', () => {
  it('builds the work tree with its uncommitted edits, never touching it, and rebuilds when it changes', async () => {
    const { buildFromSource, treeKernel } = await import('../../src/kernels/from-source/index.js');
    const { git } = await import('../../src/kernels/from-source/git.js');
    const tree = path.join(dir, 'linux-git');
    await execOrThrow('tar', ['-xJf', path.join(dir, 'linux-mini.tar.xz'), '-C', dir]);
    await execOrThrow('mv', [path.join(dir, 'linux-mini'), tree]);
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      ['commit', '-q', '-m', 'mini'],
    ])
      expect((await git(tree, args)).ok).toBe(true);
    const cache = new KernelCache(path.join(dir, 'cache-git'));
    const kernel = treeKernel({ tree, fragments: [path.join(dir, 'good.config')] });
    if (kernel.source.type !== 'build') throw new Error('not a build source');
    const source = kernel.source;
    expect(source).toMatchObject({ type: 'build', tree, base: 'tinyconfig', patches: [] });

    const clean = await buildFromSource({ source, cache, jobs: 1 });
    if (!clean.ok) throw new Error(JSON.stringify(clean.error));
    expect(clean.value.kernel.origin).toMatch(/^build:git .*linux-git@[0-9a-f]{12} \+ tinyconfig$/);

    // The developer edits a file without committing: a new kernel, with the edit in it.
    await writeFile(path.join(tree, 'kernel', 'bpf', 'verifier.c'), 'int record_poke = 2;\n');
    const dirty = await buildFromSource({ source, cache, jobs: 1 });
    if (!dirty.ok) throw new Error(JSON.stringify(dirty.error));
    expect(dirty.value.cached).toBe(false);
    expect(dirty.value.inputsHash).not.toBe(clean.value.inputsHash);
    expect(dirty.value.kernel.origin).toContain('+ uncommitted changes');
    expect(await readFile(dirty.value.kernel.vmlinuz, 'utf8')).toContain('int record_poke = 2;');
    expect(dirty.value.objDir).toBe(clean.value.objDir);
    // The user's tree holds no build output (make ran in the cache, out of tree).
    const status = await git(tree, ['status', '--porcelain', '--ignored']);
    expect(status.ok && status.value.stdout.trim()).toBe('M kernel/bpf/verifier.c');

    // Same edit again: a cache hit.
    const again = await buildFromSource({ source, cache, jobs: 1 });
    expect(again.ok && again.value.cached).toBe(true);

    // A ref that does not exist is bad input.
    const bad = await buildFromSource({ source: { ...source, ref: 'no-such-branch' }, cache });
    expect(bad).toMatchObject({ ok: false, error: { badInput: true } });
  }, 60_000);
});

describe('build state pruning', () => {
  it('removes work trees, object dirs and logs not used since a date, keeps the rest and the cached kernels', async () => {
    const { listBuildState, pruneBuildState } = await import('../../src/kernels/from-source/prune.js');
    const cache = new KernelCache(path.join(dir, 'cache-prune'));
    const built = await build(cache, await plan());
    if (!built.ok) throw new Error('build');
    const before = await listBuildState(cache);
    expect(before.map((e) => e.kind).sort()).toEqual(['logs', 'objs', 'sources']);
    expect(await pruneBuildState(cache, new Date(Date.now() - 60_000))).toEqual([]);
    const removed = await pruneBuildState(cache);
    expect(removed.length).toBe(3);
    expect(await listBuildState(cache)).toEqual([]);
    // The published kernel is a cache entry of its own and survives.
    expect(await readFile(built.value.kernel.vmlinuz, 'utf8')).toContain('record_poke');
    // And the next build starts from scratch without complaint.
    const again = await build(cache, await plan({ patches: ['no-poke.patch'] }));
    expect(again.ok && again.value.cached).toBe(false);
  }, 60_000);
});
