// The vng backend end to end: real Debian cloud kernels booted by virtme-ng under TCG, the host's root
// file system over virtiofs, the real static agent. Needs scripts/install-vng.sh to have run (CI does);
// a machine without vng gets one failing test that names what is missing, not a silent skip.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createVngBackend, scratchDirFor } from '../../src/vm/vng.js';
import type { CellEvent, CellRunSpec } from '../../src/vm/types.js';
import { cellSpec, expectSweepProvesJumps, testKernel, testPayload, type TEST_KERNELS } from './qemu-kernels.js';
import { testRunParams } from '../support/test-run.js';

const vng = createVngBackend();
const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A vng boot under TCG on 2 busy cores: ~70 s unloaded, up to ~4 min while other VMs run (virtme-init
 * is a bash script and udev coldplugs every device from the host's rules, all emulated).
 */
const CELL_TIMEOUT_SEC = 480;
const TEST_TIMEOUT_MS = (CELL_TIMEOUT_SEC + 60) * 1000;

/** Processes whose command line mentions the cell's scratch dir (QEMU's sockets, virtiofsd's socket). */
function processesOf(spec: CellRunSpec): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', scratchDirFor(spec)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function runOne(spec: CellRunSpec, watch?: (events: CellEvent[]) => void) {
  workDirs.push(spec.workDir);
  const events: CellEvent[] = [];
  const outcome = await vng.runCell(spec, {
    signal: new AbortController().signal,
    emit: (e) => {
      events.push(e);
      watch?.(events);
    },
  });
  console.log(`[vng ${spec.kernel.id}] status ${outcome.status} in ${outcome.wallMs} ms${outcome.message ? `: ${outcome.message}` : ''}`);
  return { outcome, events };
}

describe('vng backend', () => {
  it('is usable here (scripts/install-vng.sh)', async () => {
    const usable = await vng.check();
    expect(usable.ok ? 'ok' : usable.error).toBe('ok');
  });

  describe.each(['oldest', 'newest'] as const)('%s kernel under TCG', (which: keyof typeof TEST_KERNELS) => {
    it(
      'measures both variants at every depth, proves each jump count, and classifies the JIT sites',
      async () => {
        const spec = cellSpec(await testKernel(which), await testPayload(), { timeoutSec: CELL_TIMEOUT_SEC });
        const { outcome, events } = await runOne(spec);
        expect(outcome.status, `${outcome.message}\n${outcome.consoleTail.join('\n')}`).toBe('ok');
        const p = testRunParams(spec.benchmark);

        expect(events.filter((e) => e.type === 'phase').map((e) => (e.type === 'phase' ? e.phase : ''))).toEqual([
          'prepare',
          'boot',
          'measure',
        ]);
        const agent = outcome.agent!;
        expect(agent.garbage).toEqual([]);
        expectSweepProvesJumps(agent, p);

        const fp = agent.fingerprint!;
        expect(fp.release).toBe(spec.kernel.release ?? fp.release);
        // The guest really was vng's: its init and our loglevel are on the command line.
        expect(fp.cmdline).toContain('virtme');
        expect(fp.cmdline).toContain('loglevel=4');
        expect(fp.bpfJitEnable).toBe('1');
        expect(fp.bpfJitHarden).toBe('0');
        expect(processesOf(spec)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );
  });

  it(
    'reports a guest panic as panic, seconds after it happens, not at the timeout',
    async () => {
      const spec = cellSpec(await testKernel('oldest'), await testPayload(), {
        cmdline: 'tailmatrix.mode=panic',
        timeoutSec: CELL_TIMEOUT_SEC,
      });
      let panicBannerAt = 0;
      const { outcome } = await runOne(spec, (events) => {
        const last = events[events.length - 1];
        if (!panicBannerAt && last?.type === 'console' && last.line.includes('tailmatrix-init: panic')) panicBannerAt = Date.now();
      });
      expect(outcome.status, outcome.consoleTail.join('\n')).toBe('panic');
      expect(outcome.message).toMatch(/^kernel panic/);
      expect(panicBannerAt).toBeGreaterThan(0);
      // The time from the guest asking for the panic to the cell ending: QEMU's exit, or our early stop.
      const afterPanic = Date.now() - panicBannerAt;
      expect(afterPanic).toBeLessThan(30_000);
      expect(processesOf(spec)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it('kills a guest that runs past its timeout, QEMU and virtiofsd included', async () => {
    // Shorter than any boot here, so the timeout lands while vng, QEMU and virtiofsd all run.
    const spec = cellSpec(await testKernel('oldest'), await testPayload(), { cmdline: 'tailmatrix.mode=hang', timeoutSec: 25 });
    const seen = new Set<string>();
    const poll = setInterval(() => {
      for (const l of processesOf(spec)) seen.add(/virtiofsd/.test(l) ? 'virtiofsd' : /qemu-system/.test(l) ? 'qemu' : 'other');
    }, 1000);
    const { outcome } = await runOne(spec);
    clearInterval(poll);
    expect(outcome.status).toBe('timeout');
    expect(outcome.message).toMatch(/no result after 25 s/);
    expect(outcome.wallMs).toBeLessThan(60_000);
    // The test proves something only if the processes existed before the kill.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['qemu', 'virtiofsd']));
    expect(processesOf(spec)).toEqual([]);
  }, 120_000);
});
