// Benchmark 2 through the vng backend, end to end: the real CLI runs examples/traffic.json's traffic
// benchmark on the oldest default kernel (5.10) booted by virtme-ng under TCG with instruction counting.
// The guest sees the host's root file system, so its iperf3 is the host's and the agent loads the
// guest kernel's own veth, sch_ingress and cls_bpf modules. What must hold is what holds under the qemu
// backend (qemu-traffic.test.ts): packets flow at every depth, the chain's return value seen under
// traffic is the depth, and a direct tail call costs fewer instructions than an indirect one; here also
// through the analysis and the reports a user reads.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/analysis/summary-schema.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { startCli } from '../support/run-cli.js';
import { expectPacketsThroughChain } from '../support/traffic-windows.js';

/** One vng traffic cell took 74 s unloaded (boot, 10 one-second windows, poweroff); up to ~4 min beside other VMs. */
const TEST_TIMEOUT_MS = 10 * 60_000;

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('traffic benchmark through the vng backend (CLI, 5.10 under TCG)', () => {
  it(
    'is ok: packets flow at every depth, the depth is proven under traffic, direct < indirect, and the report has its table',
    async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-vng-traffic-'));
      const results = path.join(dir, 'results');
      const started = Date.now();
      const res = await startCli([
        'run',
        '-m',
        path.join(PACKAGE_ROOT, 'examples/traffic.json'),
        '--kernel',
        '5.10-cloud',
        '--bench',
        'traffic',
        '--backend',
        'vng',
        '--accel',
        'tcg',
        '--results',
        results,
        '--quiet',
      ]);
      console.log(`vng traffic cell: exit ${res.exitCode} after ${Math.round((Date.now() - started) / 1000)} s`);
      expect(res.exitCode, res.all).toBe(0);

      const [runId] = await readdir(results);
      const runDir = path.join(results, runId!);
      const cells = await readdir(path.join(runDir, 'cells'));
      expect(cells).toEqual(['5.10-cloud__retpoline__traffic.json']);
      const cell = JSON.parse(await readFile(path.join(runDir, 'cells', cells[0]!), 'utf8')) as CellResult;
      expect(cell.status, cell.message).toBe('ok');
      expect([cell.backend, cell.accelerator, cell.figureKind]).toEqual(['vng', 'tcg', 'instructions']);
      // The guest really was vng's.
      expect(cell.fingerprint?.cmdline).toContain('virtme');
      expect(cell.variants.map((v) => [v.variant, v.jit?.mechanism])).toEqual([
        ['direct', 'direct-jump'],
        ['indirect', 'retpoline-thunk'],
      ]);
      for (const v of cell.variants) expectPacketsThroughChain(v.variant, v.traffic ?? [], [1, 12, 16, 24, 32]);

      const summary = JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8')) as Summary;
      const traffic = summary.cells.find((c) => c.cellId === '5.10-cloud__retpoline__traffic')?.traffic;
      expect(traffic, JSON.stringify(summary.cells.map((c) => c.cellId))).toBeTruthy();
      const stats = traffic!.methods.find((m) => m.method === 'bpf-stats')!;
      const slopeOf = (variant: string) => stats.variants.find((v) => v.variant === variant)!.fit!.slope;
      console.log(
        `vng traffic cell: bpf_stats direct ${slopeOf('direct').toFixed(2)}, indirect ${slopeOf('indirect').toFixed(2)} instr/call`,
      );
      expect(slopeOf('direct')).toBeGreaterThan(0);
      expect(slopeOf('direct')).toBeLessThan(slopeOf('indirect'));
      expect(await readFile(path.join(runDir, 'report.md'), 'utf8')).toContain('bpf_stats');
    },
    TEST_TIMEOUT_MS,
  );
});
