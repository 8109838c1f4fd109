// Real Debian kernels from deb.debian.org into the shared cache (TAILMATRIX_CACHE or
// ~/.cache/tailmatrix): the default matrix's four kernels, then the same again offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchKernels, type FetchSummary } from '../../src/kernels/index.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { readLock } from '../../src/matrix/lock.js';
import type { Matrix } from '../../src/matrix/schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

let matrix: Matrix;
let matrixFile: string;
let first: FetchSummary;
const log: string[] = [];

beforeAll(async () => {
  // A scratch copy: the test resolves what the suites serve today and must not rewrite the repo's lock.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-fetch-'));
  matrixFile = path.join(dir, 'matrix.json');
  const json = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'matrix.json'), 'utf8')) as {
    kernels: { id: string; source: Record<string, unknown> }[];
  };
  // sid's index is valid for a week only (Valid-Until), and a frozen copy of the archive (the one some
  // sandboxes reach as deb.debian.org) serves it expired. The signature is still checked; the expiry
  // check itself is tested against crafted indexes in test/unit/debian-signed-index.test.ts.
  for (const k of json.kernels) if (k.source.suite === 'sid') k.source.allowExpiredIndex = true;
  // This file is about the debian source: the default matrix's running kernel has nothing to fetch.
  json.kernels = json.kernels.filter((k) => k.source.type === 'debian');
  await writeFile(matrixFile, JSON.stringify(json, null, 2));
  const loaded = await loadMatrix(matrixFile);
  if (!loaded.ok) throw new Error(loaded.error.join('\n'));
  matrix = loaded.value.matrix;
  const res = await fetchKernels({ matrix, matrixFile, log: (id, line) => log.push(`${id}: ${line}`) });
  if (!res.ok) throw new Error(res.error.map((e) => e.message).join('\n'));
  first = res.value;
});

describe('debian source, default matrix', () => {
  it('fetches one kernel per Debian line with image, modules, config and System.map', async () => {
    expect([...first.kernels.keys()]).toEqual(['5.10-cloud', '6.1-cloud', '6.12-cloud', 'sid-cloud']);
    const expectRelease = { '5.10-cloud': /^5\.10\./, '6.1-cloud': /^6\.1\./, '6.12-cloud': /^6\.12\./, 'sid-cloud': /^\d+\.\d+/ };
    for (const [id, k] of first.kernels) {
      expect(k.release).toMatch(expectRelease[id as keyof typeof expectRelease]);
      expect(k.release).toMatch(/cloud-amd64$/);
      // A real bzImage: the x86 boot protocol magic at 0x202.
      const head = await readFile(k.vmlinuz);
      expect(head.subarray(0x202, 0x206).toString('latin1')).toBe('HdrS');
      expect(k.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await readFile(k.config as string, 'utf8')).toMatch(/^CONFIG_BPF_JIT=y$/m);
      // Debian's System.map is a one-line placeholder pointing at the -dbg package: not reported.
      expect(k.systemMap).toBeUndefined();
      expect(path.basename(k.modulesDir as string)).toBe(k.release);
      // Packages carry modules.order and modules.builtin; modules.dep is made by depmod on install.
      expect((await stat(path.join(k.modulesDir as string, 'modules.order'))).isFile()).toBe(true);
    }
    // sid splits the kernel: the image lives in linux-binary-*, modules in linux-modules-*.
    const sid = first.kernels.get('sid-cloud');
    expect(sid?.origin).toMatch(/^debian:sid\/linux-binary-/);
    expect(sid?.vmlinuz).toMatch(/usr\/lib\/modules\/[^/]+\/vmlinuz$/);
    expect(first.kernels.get('5.10-cloud')?.modulesDir).toMatch(/\/root\/lib\/modules\//);
    expect(log.filter((l) => /InRelease signature (checked|NOT checked)/.test(l))).toHaveLength(4);
  });

  it('writes a lock that pins every kernel to .deb URLs with SHA256', async () => {
    const lock = await readLock(path.join(path.dirname(matrixFile), 'matrix.lock.json'));
    expect(lock.ok).toBe(true);
    if (!lock.ok) return;
    const sid = lock.value.kernels['sid-cloud']?.resolved;
    expect(sid?.type === 'debian' && sid.files.map((f) => f.name.replace(/-\d.*/, ''))).toEqual(
      expect.arrayContaining(['linux-binary', 'linux-modules', 'linux-image']),
    );
  });

  it('a second fetch, pinned by the lock, transfers zero bytes', async () => {
    const again = await fetchKernels({ matrix, matrixFile, frozenLockfile: true });
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.value.transferredBytes).toBe(0);
    expect(again.value.lockChanged).toBe(false);
    expect([...again.value.kernels.values()]).toEqual([...first.kernels.values()]);
  });

  it('and it works with no network at all (unshare -n)', () => {
    // A network namespace of its own: as root `unshare -n`; as any other user `unshare -rn` (a user namespace
    // first, allowed by default on Debian and Ubuntu). Neither working is a failure that says so, not a pass.
    const prefix = [['-n'], ['-r', '-n']].find((p) => spawnSync('unshare', [...p, 'true']).status === 0);
    expect(
      prefix,
      'neither `unshare -n` nor `unshare -rn` works here: this test needs a network namespace (util-linux unshare, and root or unprivileged user namespaces)',
    ).toBeDefined();
    if (!prefix) return;
    const script = `import { main } from ${JSON.stringify(path.join(PACKAGE_ROOT, 'src/cli/main.ts'))}; process.exitCode = await main(['node', 'tailmatrix', 'fetch', '--frozen-lockfile', '--verbose', '-m', ${JSON.stringify(matrixFile)}]);`;
    const out = execFileSync('unshare', [...prefix, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    expect(out.trim().split('\n')).toHaveLength(4);
  });

  it('an unknown suite names the closest ones', async () => {
    const m = parseMatrix({
      kernels: [{ id: 'x', source: { type: 'debian', suite: 'bookwrom', package: 'linux-image-cloud-amd64' } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    });
    if (!m.ok) throw new Error('matrix');
    const r = await fetchKernels({ matrix: m.value, matrixFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'tm-x-')), 'matrix.json') });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error[0]?.badInput).toBe(true);
    expect(r.error[0]?.message).toMatch(/^x: unknown suite "bookwrom" on https:\/\/deb\.debian\.org\/debian .*; closest: bookworm/);
  });

  it('an unknown package names the closest ones', async () => {
    const m = parseMatrix({
      kernels: [{ id: 'x', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd46' } }],
      boots: [{ name: 'b' }],
      benchmarks: [{ name: 't', type: 'test-run' }],
    });
    if (!m.ok) throw new Error('matrix');
    const r = await fetchKernels({
      matrix: m.value,
      matrixFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'tm-x-')), 'matrix.json'),
      resolveOnly: true,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error[0]).toEqual({
      kernelId: 'x',
      badInput: true,
      message: expect.stringMatching(/^x: package "linux-image-cloud-amd46" is not in .*; closest: linux-image-cloud-amd64/),
    });
  });
});
