// The retpoline's own price (docs/measurement.md, "The retpoline's own price"): on one kernel booted
// both ways, the indirect tail call through a retpoline minus the same call as a plain `jmp *reg`.
// Both take the same bounds checks and the same program; only the jump differs, so the difference is
// the jump alone. Boots are told apart by the jump the JIT was seen to emit, never by their names.
import type { JitMechanism } from '../results/cell-result.js';
import { estimate } from './analyse-cell.js';
import { archOf } from './arch-groups.js';
import { difference } from './stats.js';
import type { CellSummary, FitSummary, RetpolinePrice } from './summary-schema.js';
import { summaryKind, unitOf } from './units.js';

const RETPOLINES: readonly JitMechanism[] = ['retpoline-thunk', 'inline-retpoline'];

/** Same kernel image, architecture, benchmark, accelerator and figure kind: the only comparable pairs. */
const groupKey = (c: CellSummary) => `${c.kernel.sha256}\0${archOf(c)}\0${c.benchmark.name}\0${c.accelerator}\0${summaryKind(c)}`;

/** A cell whose indirect variant has a slope and a mechanism: the only kind a price can use. */
type Usable = CellSummary & { indirect: { fit: FitSummary; mechanism: JitMechanism } };

function usable(c: CellSummary): c is Usable {
  return c.status === 'ok' && c.indirect?.fit != null && c.indirect.mechanism != null;
}

function side(c: Usable) {
  return { key: c.key, boot: c.boot.name, mechanism: c.indirect.mechanism, slope: c.indirect.fit.slope, slopeCi: c.indirect.fit.slopeCi };
}

/** Every retpoline boot paired with every plain-indirect boot of the same kernel, in the summary's order. */
export function retpolinePrices(cells: readonly CellSummary[]): RetpolinePrice[] {
  const groups = new Map<string, Usable[]>();
  for (const c of cells.filter(usable)) {
    const k = groupKey(c);
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const out: RetpolinePrice[] = [];
  for (const of of groups.values()) {
    const retpoline = of.filter((c) => RETPOLINES.includes(c.indirect.mechanism));
    const plain = of.filter((c) => c.indirect.mechanism === 'plain-indirect');
    for (const r of retpoline) {
      for (const p of plain) {
        const d = difference(estimate(p.indirect.fit), estimate(r.indirect.fit));
        const kind = summaryKind(r);
        out.push({
          kernel: { id: r.kernel.id, sha256: r.kernel.sha256 },
          arch: archOf(r),
          benchmark: r.benchmark.name,
          accelerator: r.accelerator,
          figureKind: kind,
          unit: unitOf(kind),
          retpoline: side(r),
          plain: side(p),
          price: d.value,
          priceCi: [d.ci[0], d.ci[1]],
        });
      }
    }
  }
  return out;
}
