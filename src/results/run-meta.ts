// run.json: what a run was asked to do and where it ran. Reports read it for context (the matrix's
// order and gate, whether the run was interrupted); `run --resume` reads the matrix and cell list back.
// The JSON Schema in schemas/run.schema.json is generated from it. Every run.json written since the
// file exists validates: fields added later (backendReason, lock) are optional.
import { z } from 'zod';
import { ARCHES } from '../arch/index.js';
import { lockFile } from '../matrix/lock.js';
import { matrix } from '../matrix/schema.js';
import { accelerator, backendName } from './cell-result.js';

export const RUN_META_VERSION = 1;

const runStatus = z.enum(['running', 'complete', 'interrupted', 'failed']);

/** Where the VM cells of one guest architecture ran (src/vm/target.ts), each part with why. */
const target = z.object({
  arch: z.enum(ARCHES),
  archReason: z.string(),
  accelerator,
  acceleratorReason: z.string(),
  timing: z
    .object({ mode: z.enum(['icount', 'timed']), shift: z.number().int().optional().describe('icount only: -icount shift') })
    .describe('icount: exact instruction counts under TCG; timed: the clock (hardware ns under KVM, emulated ns under TCG)'),
  timingReason: z.string(),
  backend: backendName,
  backendReason: z.string(),
});

export const runMeta = z.object({
  version: z.literal(RUN_META_VERSION),
  runId: z.string(),
  status: runStatus,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  tool: z.object({ name: z.literal('tailmatrix'), version: z.string() }),
  host: z.object({
    hostname: z.string(),
    cpuModel: z.string(),
    kernel: z.string(),
    node: z.string(),
    cores: z.number().int().min(1),
    memoryMiB: z.number().min(0),
  }),
  // `auto` until the run has chosen (run.json is first written before the probe).
  backend: z.union([backendName, z.literal('auto')]),
  /** Why this backend: "requested", or how `auto` decided. */
  backendReason: z.string().optional(),
  accelerator: z.union([accelerator, z.literal('auto')]),
  /** Why this accelerator: e.g. "KVM probe failed: KVM internal error …; using TCG". */
  acceleratorReason: z.string(),
  targets: z
    .array(target)
    .optional()
    .describe(
      'one per guest architecture among the VM cells, in the order chosen: a mixed run ran each architecture on its own target (backend/accelerator above are the first one). Absent in run.json written before it and in runs without VM cells',
    ),
  matrixFile: z.string(),
  /** The matrix as the run used it (the user's own kernels included), defaults filled in. */
  matrix,
  /** The lockfile content the run used, when there is one. */
  lock: lockFile.optional(),
  cells: z.array(z.string()).describe('ids of the cells the run was asked to run, in order'),
  userKernels: z
    .array(z.string())
    .optional()
    .describe(
      "ids of the user's own kernels (run --kernel PATH, --tree): the patched side of the report's patched-vs-reference lines; absent when none",
    ),
});
export type RunMeta = z.infer<typeof runMeta>;
