// Samples that cannot be contaminated silently, end to end: the sid cloud kernel (7.x, lazy preemption)
// under TCG, a long timed window (repeat 400 000: a sweep of several guest seconds, so the fair server hands the loop its share inside some windows) and a runnable background task in the guest (the
// init's busy loop, `tailmatrix.busy=1`). The agent runs pinned at SCHED_FIFO, so the loop only gets the
// CPU when the kernel's fair server hands it its share (50 ms a second) — inside some timed windows.
// The cell must report those calls (flagged, counted, re-taken or kept) and figure without them.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseCell } from '../../src/analysis/analyse-cell.js';
import { median } from '../../src/analysis/stats.js';
import { withoutContaminated } from '../../src/results/contamination.js';
import { assembleCellResult } from '../../src/cells/assemble.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import type { CellEvent } from '../../src/vm/types.js';
import { cellSpec, testKernel, testPayload } from './qemu-kernels.js';

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

describe('a busy guest on a lazily preemptible kernel', () => {
  it('flags, counts and leaves out the calls the agent was switched out of', async () => {
    const spec = cellSpec(await testKernel('newest'), await testPayload(), {
      cmdline: 'tailmatrix.busy=1',
      params: { maxDepth: 6, samples: 3, repeat: 400_000 },
      timeoutSec: 900,
    });
    workDirs.push(spec.workDir);
    const events: CellEvent[] = [];
    const startedAt = new Date();
    const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: (e) => events.push(e) });
    const cell = await assembleCellResult({
      runId: 'contaminated-test',
      spec,
      backend: 'qemu',
      outcome,
      startedAt,
      finishedAt: new Date(),
    });
    expect(cell.status, `${cell.message ?? ''}\n${cell.consoleTail.join('\n')}`).toBe('ok');
    const consoleLines = events.flatMap((e) => (e.type === 'console' ? [e.line] : []));
    expect(consoleLines.some((l) => /tailmatrix-init: busy-loop \d+/.test(l))).toBe(true);
    expect(cell.fingerprint?.release).toMatch(/^7\./);

    // The sweep asked for, and got, its CPU and priority.
    expect(cell.isolation).toMatchObject({ pinned: true, policy: 'fifo', priority: 5, retakes: 3 });

    const summary = analyseCell(cell);
    const all = cell.variants.flatMap((v) => v.samples);
    const flagged = all.filter((s) => s.contaminated);
    console.log(
      `[contaminated] ${flagged.length}/${all.length} calls switched out: ${JSON.stringify(summary.contamination)}; warnings: ${summary.warnings.join(' | ')}`,
    );
    expect(summary.contamination!.contaminated).toBeGreaterThan(0);
    expect(summary.contamination!.contaminated).toBe(flagged.length);
    expect(summary.contamination!.retaken + summary.contamination!.keptContaminated).toBe(flagged.length);
    // Flagged by what happened to the thread: a switch counted in the window.
    for (const s of flagged) expect(s.switches!.voluntary + s.switches!.involuntary).toBeGreaterThan(0);
    for (const s of all.filter((x) => !x.contaminated)) expect(s.switches).toEqual({ voluntary: 0, involuntary: 0 });

    // The loop's share of the CPU is in the switched-out calls: slower than the clean ones at their depth.
    const excess = cell.variants.flatMap((v) =>
      v.samples
        .filter((s) => s.contaminated)
        .map((s) => s.durationNs / median(v.samples.filter((x) => x.depth === s.depth && !x.contaminated).map((x) => x.durationNs))),
    );
    expect(median(excess.filter(Number.isFinite))).toBeGreaterThan(1);

    // The reported per-depth figures are the clean samples' alone.
    for (const v of cell.variants) {
      const got = v.variant === 'direct' ? summary.direct! : summary.indirect!;
      const clean = withoutContaminated(v).samples;
      for (const p of got.points) {
        const ds = clean.filter((s) => s.depth === p.depth).map((s) => s.durationNs);
        expect(p.samples).toBe(ds.length);
        expect(p.medianNs).toBe(median(ds));
      }
    }
    // Kept ones are warned about by name; re-taken ones were replaced, so every depth still has 3 that stand.
    if (summary.contamination!.keptContaminated > 0)
      expect(summary.warnings.some((w) => /switched out during their timed window/.test(w))).toBe(true);
    for (const v of cell.variants)
      for (let d = 0; d <= 6; d++) expect(v.samples.filter((s) => s.depth === d && !s.retaken)).toHaveLength(3);
  }, 1_200_000);
});
