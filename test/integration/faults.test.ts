// Cells that go wrong, for real: a kernel that panics, a guest that hangs, Ctrl-C mid-boot, a QEMU that
// cannot boot the image, an agent that rejects its arguments. Each must end as its typed outcome, quickly
// where the guest already died, and leave no QEMU behind.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellRunSpec } from '../../src/cells/cell-spec.js';
import { KILL_GRACE_MS } from '../../src/util/exec.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import type { CellEvent, CellRunSpec } from '../../src/vm/types.js';
import { cellSpec, testKernel, testPayload } from './qemu-kernels.js';
import { testRunParams } from '../support/test-run.js';

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

/** QEMU processes still running for this cell (their command line names the cell's work dir). */
function qemuLeft(spec: CellRunSpec): string {
  const r = spawnSync('pgrep', ['-af', `qemu-system-x86_64 .*${spec.workDir}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

async function runCell(spec: CellRunSpec, signal = new AbortController().signal) {
  workDirs.push(spec.workDir);
  const events: CellEvent[] = [];
  const outcome = await qemuBackend.runCell(spec, { signal, emit: (e) => events.push(e) });
  console.log(`[faults ${spec.boot.cmdline || spec.kernel.vmlinuz}] ${outcome.status} in ${outcome.wallMs} ms: ${outcome.message ?? ''}`);
  return { outcome, events };
}

describe('qemu backend failure outcomes (real kernels under TCG)', () => {
  it('a kernel panic ends the cell as `panic` when QEMU exits, long before the timeout', async () => {
    const timeoutSec = 300;
    // With rdinit pointing at nothing the kernel falls back to mounting a root it does not have: panic.
    const spec = cellSpec(await testKernel('newest'), await testPayload(), { cmdline: 'rdinit=/nonexistent', timeoutSec });
    const { outcome } = await runCell(spec);
    expect(outcome.status).toBe('panic');
    expect(outcome.message).toMatch(/^kernel panic: /);
    expect(outcome.consoleTail.some((l) => l.includes('Kernel panic - not syncing'))).toBe(true);
    expect(outcome.wallMs).toBeLessThan((timeoutSec * 1000) / 3);
    expect(qemuLeft(spec)).toBe('');
  });

  it('a guest that hangs ends as `timeout` at the cell timeout, and its QEMU is gone', async () => {
    const timeoutSec = 60;
    const spec = cellSpec(await testKernel('oldest'), await testPayload(), { cmdline: 'tailmatrix.mode=hang', timeoutSec });
    const { outcome } = await runCell(spec);
    expect(outcome.status).toBe('timeout');
    expect(outcome.message).toMatch(/^no result after 60 s/);
    expect(outcome.wallMs).toBeGreaterThanOrEqual(timeoutSec * 1000);
    expect(outcome.wallMs).toBeLessThan(timeoutSec * 1000 + KILL_GRACE_MS + 10_000);
    expect(qemuLeft(spec)).toBe('');
  });

  it('Ctrl-C (abort) mid-boot stops QEMU at once', async () => {
    const spec = cellSpec(await testKernel('oldest'), await testPayload(), { cmdline: 'tailmatrix.mode=hang' });
    const ctl = new AbortController();
    workDirs.push(spec.workDir);
    let abortedAt = 0;
    const outcome = await qemuBackend.runCell(spec, {
      signal: ctl.signal,
      emit: (e) => {
        // Abort once the kernel is printing: QEMU is surely running.
        if (e.type === 'console' && abortedAt === 0) {
          abortedAt = Date.now();
          ctl.abort();
        }
      },
    });
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(KILL_GRACE_MS + 5_000);
    expect(outcome.status).toBe('timeout');
    expect(outcome.message).toBe('canceled before the cell finished');
    expect(qemuLeft(spec)).toBe('');
  });

  it("an image QEMU cannot boot is `boot-failed` at once, with QEMU's reason", async () => {
    const real = await testKernel('oldest');
    const spec = cellSpec(real, await testPayload());
    const bogus = path.join(spec.workDir, 'not-a-kernel');
    writeFileSync(bogus, 'this is not a bzImage\n'.repeat(100));
    const { outcome } = await runCell({ ...spec, kernel: { ...real, vmlinuz: bogus } });
    expect(outcome.status).toBe('boot-failed');
    expect(outcome.message).toMatch(/the guest stopped before \/init ran \(QEMU exit status 1: qemu\S*: \S/);
    expect(outcome.wallMs).toBeLessThan(30_000);
  });

  it('an agent that rejects its arguments is `agent-error` with its error record', async () => {
    const spec = cellSpec(await testKernel('oldest'), await testPayload());
    // Past the chain's 34 programs: the schema forbids it, the agent must refuse it in the guest too.
    // Resolved again as `run` resolves a spec, so the agent's arguments (spec.needs) carry the bad depth.
    const bad = cellRunSpec({
      ...spec,
      benchmark: { name: spec.benchmark.name, type: 'test-run' as const, params: { ...testRunParams(spec.benchmark), maxDepth: 40 } },
    });
    const { outcome } = await runCell(bad);
    expect(outcome.status).toBe('agent-error');
    expect(outcome.message).toMatch(/^args: /);
    expect(outcome.consoleTail).toContain('tailmatrix-init: agent-exit 2');
  });
});
