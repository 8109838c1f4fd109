// The tail-call sequences the JIT emitted, per kernel, as every report format lists them: what the exact
// saving is made of, instruction by instruction (docs/measurement.md, "Only the jump differs"). The
// rows come from each cell's JIT proof (summary cells' jitSymmetry); cells written before it have none.
import type { CellSummary } from '../analysis/summary-schema.js';
import type { JitMechanism, JitSequence } from '../results/cell-result.js';

export const SEQUENCE_HEADER = ['kernel', 'boots', 'sequence', 'a taken tail call runs', 'its instructions, in order'];

/** __x86_indirect_thunk_<reg> runs call, mov %reg,(%rsp), ret; its pause/lfence loop is only speculated. */
export const RETPOLINE_THUNK_RUNS = 3;

export const SEQUENCE_NOTE =
  "From each cell's JIT images (program 1, whose next slot is filled): the sequence starts after the map load (`r2 = jmp_table`) and ends at the label a failed check jumps to. " +
  `A retpoline thunk (\`__x86_indirect_thunk_rcx\`) adds ${RETPOLINE_THUNK_RUNS} instructions (call, mov %rcx,(%rsp), ret; its pause/lfence loop runs only speculatively). ` +
  "Outside these sequences each cell checks that the two variants' images are the same instructions (immediates and jump targets aside): then indirect − direct is these instructions and nothing else.";

const SEQUENCE_NAME: Partial<Record<JitMechanism, string>> = {
  'direct-jump': 'direct: patched jmp rel32',
  'retpoline-thunk': 'indirect: retpoline thunk',
  'plain-indirect': 'indirect: plain jmp *reg',
  'lfence-jmp': 'indirect: lfence; jmp *reg',
  'its-thunk': 'indirect: ITS thunk',
  'inline-retpoline': 'indirect: inline retpoline',
  'arm64-br': 'arm64: bounds check, counter, load, br (both variants)',
};

function runsText(q: JitSequence): string {
  return q.mechanism === 'retpoline-thunk' ? `${q.executed} + ${RETPOLINE_THUNK_RUNS} in the thunk` : String(q.executed);
}

function insnsText(q: JitSequence): string {
  const run = q.insns.slice(0, q.executed).map((i) => i.text);
  const after = q.insns.slice(q.executed).map((i) => i.text);
  return `${run.join('; ')}${after.length > 0 ? ` (not run on a taken call: ${after.join('; ')})` : ''}`;
}

/** One row per kernel and distinct sequence, with the boots that showed it. */
export function sequenceRows(cells: readonly CellSummary[]): string[][] {
  const rows = new Map<string, { kernel: string; boots: string[]; q: JitSequence }>();
  for (const c of cells) {
    for (const q of c.jitSymmetry?.sequences ?? []) {
      const kernel = c.kernel.release ? `${c.kernel.id} (${c.kernel.release})` : c.kernel.id;
      const key = `${kernel}\u0000${q.variant}\u0000${q.mechanism}\u0000${q.executed}\u0000${q.insns.map((i) => i.text.replace(/0x[0-9a-f]+/g, '')).join(';')}`;
      const row = rows.get(key) ?? { kernel, boots: [], q };
      if (!row.boots.includes(c.boot.name)) row.boots.push(c.boot.name);
      rows.set(key, row);
    }
  }
  return [...rows.values()].map((r) => [
    r.kernel,
    r.boots.join(', '),
    SEQUENCE_NAME[r.q.mechanism] ?? r.q.mechanism,
    runsText(r.q),
    insnsText(r.q),
  ]);
}

/** The proof's outcome over the cells that carry it, in one line. */
export function symmetryLine(cells: readonly CellSummary[]): string | null {
  const proven = cells.filter((c) => c.jitSymmetry);
  if (proven.length === 0) return null;
  const identical = proven.filter((c) => c.jitSymmetry!.verdict === 'identical').length;
  const others = proven.filter((c) => c.jitSymmetry!.verdict !== 'identical').map((c) => `${c.key} (${c.jitSymmetry!.verdict})`);
  return `JIT images identical outside the tail-call sequence: ${identical} of ${proven.length} cell(s)${others.length > 0 ? `; not proven: ${others.join(', ')} (comparison withheld)` : ''}.`;
}
