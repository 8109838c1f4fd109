// Patched vs reference: a run with the user's own kernel (`run --kernel PATH`, `--tree`) next to reference
// kernels of the matrix states, per figure, the user's kernel minus each reference — the direct and the
// indirect tail call's cost per call, with the difference's 95 % interval (Welch, as the retpoline's price).
// Only cells of one architecture, figure kind, boot configuration and benchmark are paired: never a
// difference across kinds (instructions minus ns means nothing), across boots (another jump) or across
// architectures (another instruction set: an arm64 kernel minus an amd64 one is no patch's effect).
import { estimate } from './analyse-cell.js';
import { archOf } from './arch-groups.js';
import { difference } from './stats.js';
import type { CellSummary, PatchedDifference } from './summary-schema.js';
import { summaryKind, unitOf } from './units.js';

const VARIANTS = ['direct', 'indirect'] as const;

const pairKey = (c: CellSummary) => `${archOf(c)}\0${c.boot.name}\0${c.benchmark.name}\0${summaryKind(c)}`;

/** One entry per user cell × reference cell of the same architecture, kind, boot and benchmark, and per variant. */
export function patchedVsReference(cells: readonly CellSummary[], userKernels: readonly string[]): PatchedDifference[] {
  const ok = cells.filter((c) => c.status === 'ok');
  const patched = ok.filter((c) => userKernels.includes(c.kernel.id));
  const references = ok.filter((c) => !userKernels.includes(c.kernel.id));
  const out: PatchedDifference[] = [];
  for (const p of patched) {
    for (const r of references.filter((x) => pairKey(x) === pairKey(p))) {
      const kind = summaryKind(p);
      for (const variant of VARIANTS) {
        const pv = p[variant];
        const rv = r[variant];
        if (pv?.fit == null || rv?.fit == null) continue;
        const base = {
          patched: { key: p.key, kernel: p.kernel.id },
          reference: { key: r.key, kernel: r.kernel.id },
          boot: p.boot.name,
          benchmark: p.benchmark.name,
          arch: archOf(p),
          figureKind: kind,
          unit: unitOf(kind),
          variant,
          patchedSlope: pv.fit.slope,
          referenceSlope: rv.fit.slope,
        };
        // A hardware chain with a knee has no single cost per call: one difference of slopes would misstate
        // it (the curve section gives each regime).
        if (pv.curve?.model === 'segmented' || rv.curve?.model === 'segmented') {
          out.push({
            ...base,
            difference: null,
            differenceCi: null,
            note: 'a knee in the curve: no single cost per call to subtract; compare the regimes in the curve section',
          });
          continue;
        }
        const d = difference(estimate(rv.fit), estimate(pv.fit));
        out.push({ ...base, difference: d.value, differenceCi: [d.ci[0], d.ci[1]], note: null });
      }
    }
  }
  return out;
}
