// A stored cell derived again from its kept raw agent stream (results/<run>/raw, src/results/layout.ts):
// the same parser and the same derivation as the run (src/cells/assemble.ts fromAgentStream), so a cell can
// be re-analysed, or checked, long after its boot. What the stream cannot hold stays as stored: the
// boot's outcome (status, console), timings of the host, and the kernel config the host read from the
// kernel's package when the guest had no /proc/config.gz.
import { parseAgentOutput } from '../measure/agent-output.js';
import { interleavedOrder } from '../measure/sweep-order.js';
import path from 'node:path';
import type { CellResult } from '../results/cell-result.js';
import { readAgentStream, type LoadedCell } from '../results/load.js';
import { testRunParams } from '../matrix/schema.js';
import { err, ok, type Result } from '../util/result.js';
import { fromAgentStream } from './assemble.js';

/** Why a complete interleaved stream is not the sweep its seed gives, or undefined when it is. */
function orderProblem(cell: CellResult, agent: ReturnType<typeof parseAgentOutput>): string | undefined {
  if (agent.sweep?.order !== 'interleaved' || !agent.complete || agent.errors.length > 0) return undefined;
  const params = testRunParams.safeParse(cell.benchmark.params);
  if (!params.success) return undefined;
  const expected = interleavedOrder(agent.sweep.seed, params.data.maxDepth, params.data.variants, agent.sweep.loads ?? 1);
  const at = expected.findIndex((step, i) => step.depth !== agent.blocks[i]?.depth || step.variant !== agent.blocks[i]?.variant);
  if (at < 0 && agent.blocks.length === expected.length) return undefined;
  const i = at < 0 ? expected.length : at;
  return `samples out of the order seed ${agent.sweep.seed} gives (bpf/PROTOCOL.md, "Order"): step ${i} is ${JSON.stringify(agent.blocks[i] ?? 'missing')}, expected ${JSON.stringify(expected[i] ?? 'none')}`;
}

export function rederiveCell(cell: CellResult, stream: string): Result<CellResult, string> {
  const agent = parseAgentOutput(stream);
  if (!agent.sweep && agent.variants.length === 0) return err(`cell ${cell.cellId}: the raw stream holds no agent records`);
  const problem = orderProblem(cell, agent);
  if (problem) return err(`cell ${cell.cellId}: ${problem}`);
  const derived = fromAgentStream(agent, cell.figureKind === 'instructions' ? cell.icountShift : undefined);
  const fingerprint =
    derived.fingerprint && Object.keys(derived.fingerprint.config).length === 0 && cell.fingerprint
      ? { ...derived.fingerprint, config: cell.fingerprint.config }
      : derived.fingerprint;
  return ok({ ...cell, ...derived, fingerprint });
}

/**
 * Every loaded cell re-derived from the raw stream beside it (`tailmatrix report --rederive`). A cell with
 * no agent output at all (it never got that far) stays as stored; a cell with samples but no stream, or
 * whose stream does not give it back, is an error naming the cell: never a silent mix of both kinds.
 */
export async function rederiveLoaded(cells: readonly LoadedCell[]): Promise<Result<LoadedCell[], string>> {
  const out: LoadedCell[] = [];
  const problems: string[] = [];
  for (const c of cells) {
    // results/<run-id>/cells/<cell-id>.json: the run folder is two levels up.
    const stream = await readAgentStream(path.dirname(path.dirname(c.file)), c.cell.cellId);
    if (!stream.ok) {
      if (c.cell.variants.length === 0 && !c.cell.fingerprint) out.push(c);
      else problems.push(`${stream.error}; report without --rederive to use the stored cell`);
      continue;
    }
    const again = rederiveCell(c.cell, stream.value);
    if (again.ok) out.push({ ...c, cell: again.value });
    else problems.push(again.error);
  }
  return problems.length > 0 ? err(problems.join('\n')) : ok(out);
}
