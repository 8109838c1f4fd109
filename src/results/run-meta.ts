// run.json: what a run was asked to do and where it ran. Reports read it for context only.
import type { Matrix } from '../matrix/schema.js';

export const RUN_META_VERSION = 1;

export interface RunMeta {
  version: typeof RUN_META_VERSION;
  runId: string;
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  startedAt: string;
  finishedAt?: string;
  tool: { name: 'tailmatrix'; version: string };
  host: { hostname: string; cpuModel: string; kernel: string; node: string; cores: number; memoryMiB: number };
  backend: string;
  /** Why this backend: "requested", or how `auto` decided. */
  backendReason?: string;
  accelerator: string;
  /** Why this accelerator: e.g. "KVM probe failed: KVM internal error …; using TCG". */
  acceleratorReason: string;
  matrixFile: string;
  matrix: Matrix;
  /** The lockfile content the run used, when there is one. */
  lock?: unknown;
  cells: string[];
}
