// `build` as a library function: one kernel from source into the cache, its events passed on, its
// failure as an Outcome (the same mapping `run` and `fetch` use for a build kernel of the matrix).
import { buildFromSource, type BuildFromSourceOptions, type BuildOutcome } from '../kernels/from-source/index.js';
import { failureMessage, isBadInput } from '../kernels/source.js';
import { fromKernelFailures, OK, type Outcome } from './outcome.js';

export type { BuildOutcome };

export async function buildKernel(opts: BuildFromSourceOptions): Promise<{ outcome: Outcome; built?: BuildOutcome }> {
  const r = await buildFromSource(opts);
  if (opts.signal?.aborted) return { outcome: { kind: 'interrupted', message: 'make stopped; nothing entered the cache' } };
  if (!r.ok) return { outcome: fromKernelFailures([{ message: failureMessage(r.error), badInput: isBadInput(r.error) }]) };
  return { outcome: OK, built: r.value };
}
