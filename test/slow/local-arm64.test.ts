// A local arm64 Image through the CLI, as a kernel developer gives one: `tailmatrix run --kernel PATH` with
// Debian bookworm's cloud-arm64 vmlinuz (a gzip'd Image, fetched through the signed index into the cache, and
// used where it lies: its modules beside it, lib/modules/<release>, give the virtio transport and console the
// agent's port needs). The header says arm64, so the cell boots under qemu-system-aarch64 -machine virt with
// instruction counting, and its figures are exact: 147 instructions at depth 0 and 32 per tail call on 6.1
// (31 when the program array's address has a zero 16-bit chunk: docs/measurement.md, its arm64 section).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchKernels } from '../../src/kernels/index.js';
import { matrix } from '../../src/matrix/schema.js';
import { cellResult } from '../../src/results/cell-result.js';
import { startCli } from '../support/run-cli.js';

const MAX_DEPTH = 4;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-slow-local-arm64-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('run --kernel PATH: a local arm64 Image', () => {
  it('a Debian cloud-arm64 vmlinuz from the cache runs one ok arm64 cell with exact instruction counts', async () => {
    const m = matrix.parse({
      kernels: [
        { id: '6.1-cloud-arm64', arch: 'arm64', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-arm64' } },
      ],
      boots: [{ name: 'default' }],
      benchmarks: [{ name: 'test-run', type: 'test-run' }],
    });
    const fetched = await fetchKernels({ matrix: m, matrixFile: path.join(dir, 'fetch.json') });
    if (!fetched.ok) throw new Error(fetched.error.map((e) => e.message).join('; '));
    const image = fetched.value.kernels.get('6.1-cloud-arm64')!.vmlinuz;
    expect(path.basename(image)).toMatch(/^vmlinuz-6\.1\.\d+-\d+-cloud-arm64$/);

    // The run's own matrix has no arm64 kernel: the image path alone says what to boot.
    await writeFile(
      path.join(dir, 'matrix.json'),
      JSON.stringify({
        kernels: [{ id: 'ref', source: { type: 'local', path: image } }],
        boots: [{ name: 'default' }],
        benchmarks: [
          {
            name: 'test-run',
            type: 'test-run',
            params: { maxDepth: MAX_DEPTH, samples: 3, repeat: 1, variants: ['direct', 'indirect'] },
          },
        ],
        runner: { backend: 'auto', accel: 'auto', timing: 'auto', timeoutSec: 600 },
      }),
    );
    const started = Date.now();
    const res = await startCli(
      ['run', '-m', path.join(dir, 'matrix.json'), '--results', path.join(dir, 'results'), '--kernel', `mine=${image}`, '--json'],
      { env: { TMPDIR: dir } },
    );
    console.log(`[local arm64] run --kernel ${image}: exit ${res.exitCode} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(res.exitCode, res.all).toBe(0);
    const doc = JSON.parse(res.stdout) as { runDir: string; cells: { id: string; status: string }[] };
    expect(doc.cells).toEqual([{ id: 'mine__default__test-run', kernel: 'mine', status: 'ok' }]);
    const [file] = await readdir(path.join(doc.runDir, 'cells'));
    const cell = cellResult.parse(JSON.parse(await readFile(path.join(doc.runDir, 'cells', file!), 'utf8')));
    expect(cell.kernel.arch).toBe('arm64');
    expect(cell.kernel.release).toMatch(/^6\.1\.\d+-\d+-cloud-arm64$/);
    expect([cell.accelerator, cell.backend, cell.figureKind]).toEqual(['tcg', 'qemu', 'instructions']);
    const counts = cell.variants.map((v) => {
      expect(v.jit?.mechanism, v.variant).toBe('arm64-br');
      return Array.from({ length: MAX_DEPTH + 1 }, (_, d) => {
        const xs = v.samples.filter((s) => s.depth === d && !s.retaken).map((s) => s.instructions);
        expect(xs, `${v.variant} depth ${d}`).toHaveLength(3);
        expect(new Set(xs).size, `${v.variant} depth ${d}: ${xs.join(', ')}`).toBe(1);
        expect(Number.isInteger(xs[0])).toBe(true);
        return xs[0]!;
      });
    });
    console.log(`[local arm64] instructions per depth 0..${MAX_DEPTH} (direct; indirect): ${counts.map((c) => c.join(' ')).join('; ')}`);
    for (const c of counts) {
      expect(c[0]).toBe(147);
      const steps = new Set(c.slice(1).map((x, d) => x - c[d]!));
      expect(steps.size, [...steps].join(', ')).toBe(1);
      expect([31, 32]).toContain([...steps][0]);
    }
  });
});
