// Turn a backend's outcome into the cell result document that reports read.
import { readFile } from 'node:fs/promises';
import {
  CELL_RESULT_VERSION,
  isEmulatedKind,
  type BackendName,
  type CellResult,
  type Fingerprint,
  type VariantResult,
} from '../results/cell-result.js';
import { proveSymmetry } from '../measure/jit-symmetry.js';
import type { AgentOutput } from '../measure/agent-output.types.js';
import { figureKindFor } from '../measure/timing.js';
import type { CellEnd, CellRunSpec } from '../vm/types.js';
import { hostCpuModel } from '../util/host.js';
import { TOOL_VERSION } from '../util/version.js';
import os from 'node:os';

/** The config options that decide which jump the JIT can emit (names changed over releases). */
const FINGERPRINT_CONFIG = /^CONFIG_\w*(RETPOLINE|MITIGATION|SPECTRE|BPF_JIT|IBRS|IBT|RETHUNK|PAGE_TABLE_ISOLATION|CALL_DEPTH)\w*$/;

export function pickConfig(configText: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of configText.split('\n')) {
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    const [name, value] = set ? [set[1], set[2]] : unset ? [unset[1], 'n'] : [undefined, undefined];
    if (name && value !== undefined && FINGERPRINT_CONFIG.test(name)) out[name] = value.replace(/^"|"$/g, '');
  }
  return out;
}

/** The guest rarely has /proc/config.gz; the host has the kernel's config file from the package. */
async function completeFingerprint(fp: Fingerprint | undefined, configPath: string | undefined) {
  if (!fp || Object.keys(fp.config).length > 0 || !configPath) return fp;
  try {
    return { ...fp, config: pickConfig(await readFile(configPath, 'utf8')) };
  } catch {
    return fp;
  }
}

/**
 * Under -icount the kernel's duration is guest ns = instructions × 2^shift, and with repeat 1
 * (src/measure/sweep-params.ts) nothing of it is truncated. The guest reads that clock through its
 * clocksource's cycles-to-ns scaling, whose rounding can leave the difference of two readings 1 ns
 * off (seen here: 4881 ns for 610 instructions at shift 3); 1 ns is less than half an instruction
 * from shift 2 on, so rounding to the nearest instruction recovers the exact count. Raw durations stay.
 */
function instructionsOf(durationNs: number, shift: number): number {
  return Math.round(durationNs / 2 ** shift);
}

function withInstructions<T extends Pick<VariantResult, 'samples'>>(variants: T[], icountShift: number | undefined): T[] {
  if (icountShift === undefined) return variants;
  return variants.map((v) => ({
    ...v,
    samples: v.samples.map((s) => ({ ...s, instructions: instructionsOf(s.durationNs, icountShift) })),
  }));
}

/**
 * What a cell result takes from the agent's stream alone: the one derivation both a run and a re-analysis
 * of a kept stream (src/cells/rederive.ts) use. `fingerprint.config` is as the guest reported it.
 */
export function fromAgentStream(
  agent: AgentOutput | undefined,
  icountShift: number | undefined,
): Pick<CellResult, 'fingerprint' | 'sweep' | 'isolation' | 'variants' | 'strategies' | 'jitSymmetry'> {
  const jitOf = (v: string) => agent?.variants.find((x) => x.variant === v)?.jit;
  const both = jitOf('direct') !== undefined && jitOf('indirect') !== undefined;
  return {
    fingerprint: agent?.fingerprint,
    ...(agent?.sweep ? { sweep: agent.sweep } : {}),
    ...(agent?.isolation ? { isolation: agent.isolation } : {}),
    variants: withInstructions(agent?.variants ?? [], icountShift),
    ...(agent?.strategies ? { strategies: withInstructions(agent.strategies, icountShift) } : {}),
    // Only a cell with both chains' images has two images to compare (a one-variant matrix has none).
    ...(both ? { jitSymmetry: proveSymmetry(jitOf('direct'), jitOf('indirect')) } : {}),
  };
}

interface AssembleInput {
  runId: string;
  spec: CellRunSpec;
  backend: BackendName;
  outcome: CellEnd;
  /** The most cells running at once while this one ran, itself included (src/cells/concurrency.ts); unknown when absent. */
  concurrentCells?: number;
  startedAt: Date;
  finishedAt: Date;
}

export async function assembleCellResult(i: AssembleInput): Promise<CellResult> {
  const { spec, outcome } = i;
  const icountShift = spec.timing.mode === 'icount' ? spec.timing.shift : undefined;
  const fromAgent = fromAgentStream(outcome.agent, icountShift);
  const figureKind = outcome.figureKind ?? figureKindFor(spec.timing, spec.accel);
  return {
    version: CELL_RESULT_VERSION,
    cellId: spec.cellId,
    replicate: spec.replicate ?? 0,
    runId: i.runId,
    kernel: {
      id: spec.kernel.id,
      sha256: spec.kernel.sha256,
      release: outcome.agent?.fingerprint?.release ?? spec.kernel.release,
      source: spec.kernel.origin,
      arch: spec.kernel.arch,
    },
    boot: { name: spec.boot.name, cmdline: spec.boot.cmdline },
    // The parameters that ran (the spec's sweep, src/cells/cell-spec.ts), not the matrix's.
    benchmark: { name: spec.benchmark.name, type: spec.benchmark.type, params: { ...spec.benchmark.params } },
    backend: i.backend,
    accelerator: spec.accel,
    // One truth, the figure kind; `emulated` (no speculation is modelled under TCG: relative evidence,
    // never hardware timing) is derived from it for the readers of the schema.
    emulated: isEmulatedKind(figureKind),
    figureKind,
    ...(icountShift !== undefined ? { icountShift } : {}),
    status: outcome.status,
    ...(outcome.message ? { message: outcome.message } : {}),
    startedAt: i.startedAt.toISOString(),
    finishedAt: i.finishedAt.toISOString(),
    wallMs: outcome.wallMs,
    ...(i.concurrentCells !== undefined ? { concurrentCells: i.concurrentCells } : {}),
    ...fromAgent,
    fingerprint: await completeFingerprint(fromAgent.fingerprint, spec.kernel.config),
    consoleTail: outcome.consoleTail,
    host: { hostname: os.hostname(), cpuModel: hostCpuModel(), tool: `tailmatrix ${TOOL_VERSION}` },
  };
}
