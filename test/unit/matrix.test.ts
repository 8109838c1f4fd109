import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMatrix, parseMatrix } from '../../src/matrix/load.js';
import { main } from '../../src/cli/main.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const good = {
  kernels: [{ id: 'k', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
  boots: [{ name: 'default' }],
  benchmarks: [{ name: 'tr', type: 'test-run' }],
};

describe('matrix validation', () => {
  it('the default matrix.json is valid and names four Debian lines and the running kernel', async () => {
    const r = await loadMatrix(path.join(PACKAGE_ROOT, 'matrix.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.matrix.kernels.map((k) => (k.source.type === 'debian' ? k.source.suite : k.source.type))).toEqual([
      'bullseye',
      'bookworm',
      'trixie',
      'sid',
      'running',
    ]);
  });

  it('fills defaults (runner, component, arch)', () => {
    const r = parseMatrix(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.runner.backend).toBe('auto');
    const src = r.value.kernels[0]?.source;
    // The Debian index's arch follows the kernel's (amd64 by default) unless the source names one.
    expect(src?.type === 'debian' && [src.component, src.arch]).toEqual(['main', undefined]);
    expect(r.value.kernels[0]?.arch).toBe('amd64');
  });

  it('reports every error at once, each with its path', () => {
    const bad = {
      kernels: [
        good.kernels[0],
        { id: 'u', source: { type: 'url', url: 'https://example.org/k.deb', sha256: 'abc' } },
        { id: 'bad id!', source: { type: 'debian', suite: 'sid' } },
      ],
      boots: [{ name: 'default', cmdline: 3 }],
      benchmarks: [{ name: 'tr', type: 'test-run', params: { maxDepth: 99 } }],
      runnner: {},
    };
    const r = parseMatrix(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual(
      expect.arrayContaining([
        'kernels[1].source.sha256: expected 64 lowercase hex characters',
        expect.stringMatching(/^kernels\[2\]\.id: expected letters, digits/),
        expect.stringMatching(/^kernels\[2\]\.source\.package: /),
        expect.stringMatching(/^boots\[0\]\.cmdline: /),
        expect.stringMatching(/^benchmarks\[0\]\.params\.maxDepth: /),
        expect.stringMatching(/^\(root\): .*runnner/),
      ]),
    );
    expect(r.error).toHaveLength(6);
  });

  it('cross-field rules: duplicate ids name both places', () => {
    const r = parseMatrix({ ...good, kernels: [good.kernels[0], good.kernels[0]] });
    expect(r).toEqual({ ok: false, error: ['kernels[1].id: "k" is already used by kernels[0]'] });
  });

  it('a boot command line the kernel would cut (over 2048 bytes with our own options) is refused at validation', () => {
    const long = `quiet ${'x'.repeat(2100)}`;
    const r = parseMatrix({
      ...good,
      boots: [
        { name: 'ok', cmdline: 'x'.repeat(1792) },
        { name: 'long', cmdline: long },
      ],
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toEqual([
      `boots[1].cmdline: ${long.length} bytes; at most 1792 fit (the kernel's command line is limited to 2048 bytes, 256 kept for tailmatrix's own options): a longer one is cut and the boot hangs`,
    ]);
  });

  it('`tailmatrix fetch` on a malformed matrix exits with the bad-input code and lists every error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-matrix-'));
    const file = path.join(dir, 'matrix.json');
    await writeFile(file, JSON.stringify({ ...good, kernels: [{ id: 'k', source: { type: 'oci' } }], boots: [] }));
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => {
      chunks.push(String(c));
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['node', 'tailmatrix', 'fetch', '--matrix', file, '--quiet']);
    } finally {
      process.stderr.write = write;
    }
    expect(code).toBe(EXIT.badInput);
    const text = chunks.join('');
    expect(text).toContain('matrix.json: kernels[0].source.image:');
    expect(text).toContain('matrix.json: boots:');
  });
});
