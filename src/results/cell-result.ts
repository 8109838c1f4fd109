// One cell's result document: results/<run-id>/cells/<cell-id>.json. Analysis and reports read only
// these files, so this schema is the contract between the runner and everything after it. The JSON
// Schema in schemas/cell-result.schema.json is generated from it.
import { ARCHES } from '../arch/index.js';
import { z } from 'zod';
import { strategyName } from '../matrix/schema.js';
import { trafficSample } from './traffic-result.js';

export const CELL_RESULT_VERSION = 1;

// `skipped`: the cell could not run here for a reason that is not a failure (e.g. a running-kernel cell
// without root); it never fails a run or the gate's failed-cell rule.
export const cellStatus = z.enum(['ok', 'skipped', 'boot-failed', 'panic', 'timeout', 'agent-error', 'bench-failed']);
export type CellStatus = z.infer<typeof cellStatus>;

/** A cell that was asked to run here and did not end ok (skipped is not a failure, see above). */
export const isFailedStatus = (status: CellStatus): boolean => status !== 'ok' && status !== 'skipped';

export const variant = z.enum(['direct', 'indirect']);
export type Variant = z.infer<typeof variant>;

/** How the JIT implemented the tail-call site (docs/measurement.md, "Proving which jump ran"). */
export const jitMechanism = z.enum([
  'direct-jump', // e9 rel32 into the next BPF program (patched poke, Linux >= 5.5)
  'nop', // an unpatched poke site (slot empty): a 5-byte NOP
  'retpoline-thunk', // jmp/call to __x86_indirect_thunk_* / __x86_indirect_jump_thunk_*
  'its-thunk', // jmp to an Indirect Target Selection thunk (__x86_indirect_its_thunk_*, its_*): not a retpoline
  'inline-retpoline', // e8 07 00 00 00 f3 90 0f ae e8 ... emitted in the program itself (<= 5.15)
  'lfence-jmp', // 0f ae e8 ff e? (AMD "retpoline,lfence")
  'plain-indirect', // ff e? with no mitigation
  'no-jit', // jited_prog_len 0: no JIT (no CONFIG_BPF_JIT, or bpf_jit_enable=0), the interpreter ran the chain
  'image-unavailable', // JITed, but the kernel withheld the image (no CONFIG_KALLSYMS, kptr_restrict=2): unproven
  'unknown',
  'arm64-br', // the arm64 JIT's only tail call: bounds check, counter, load, cbz, br xN (whatever the key)
]);
export type JitMechanism = z.infer<typeof jitMechanism>;

/** The mechanisms that are an indirect jump: what the `indirect` variant must show to be compared. */
export const INDIRECT_MECHANISMS: readonly JitMechanism[] = [
  'retpoline-thunk',
  'inline-retpoline',
  'lfence-jmp',
  'plain-indirect',
  'its-thunk',
  'arm64-br',
];

/**
 * Mechanisms of a JIT that has no direct tail call: the direct variant runs the very same indirect jump, so
 * its comparison is "same mechanism on this architecture", neither a saving nor withheld.
 */
export const ONLY_MECHANISMS: readonly JitMechanism[] = ['arm64-br'];

const sample = z.object({
  depth: z.number().int().min(0),
  /**
   * BPF_PROG_TEST_RUN `duration` as the kernel reported it: its average guest-clock ns per repetition
   * (a truncated u32). Hardware ns under KVM/natively, emulated ns under TCG, and under -icount
   * instructions × 2^icountShift: read `instructions` then.
   */
  durationNs: z.number().min(0),
  /**
   * Instructions per repetition (figureKind `instructions` only): durationNs / 2^icountShift rounded to
   * the nearest whole instruction (the guest clocksource's scaling can leave a reading 1 ns off).
   */
  instructions: z.number().min(0).optional(),
  retval: z.number().int(),
  repeat: z.number().int().min(1),
  /**
   * Which fresh load of the chains (0-based, `sweep.loads`) the call timed: loads are compared with one
   * another (analysis/load-states.ts). Absent in cells written before it.
   */
  load: z.number().int().min(0).optional(),
  /**
   * Whether the thread was switched out in the timed window (protocol 3, bpf/PROTOCOL.md): its voluntary
   * and involuntary context switches across the call, the window's wall time and the thread's run time
   * (schedstat; null where the kernel gives none). Absent in cells written before it: unknown.
   */
  switches: z.object({ voluntary: z.number().int().min(0), involuntary: z.number().int().min(0) }).optional(),
  wallNs: z.number().min(0).optional(),
  runNs: z.number().min(0).nullable().optional(),
  /** Switched out during the window: its duration holds whatever ran instead. Left out of every estimate. */
  contaminated: z.boolean().optional(),
  /** A contaminated call the agent timed again: the next sample of the variant at this depth replaces it. */
  retaken: z.boolean().optional(),
});
export type Sample = z.infer<typeof sample>;

/** Per variant (and summed per cell): timed calls checked, switched out, re-taken, kept though switched out. */
export const contamination = z.object({
  checked: z.number().int().min(0).describe('timed calls whose window was checked for context switches'),
  contaminated: z.number().int().min(0).describe('of those, calls during which the thread was switched out'),
  retaken: z.number().int().min(0).describe('contaminated calls the agent timed again (replaced)'),
  keptContaminated: z
    .number()
    .int()
    .min(0)
    .describe('contaminated calls kept once the re-takes at their depth ran out (left out of the estimate)'),
});
export type Contamination = z.infer<typeof contamination>;

const jitSite = z.object({
  /** Index of the program in the chain (0 = entry). */
  prog: z.number().int().min(0),
  mechanism: jitMechanism,
  /** Offset of the site in the program's JITed image. */
  offset: z.number().int().min(0).optional(),
  /** Symbol the jump lands on (next program's ksym, thunk name). */
  target: z.string().optional(),
  bytes: z.string().describe('hex of the instruction(s) at the site').optional(),
  /** Why this site does not count as what it looks like (a jump into a program other than the next). */
  note: z.string().optional(),
});
export type JitSite = z.infer<typeof jitSite>;

const jitEvidence = z.object({
  /** The mechanism seen at the tail-call sites of programs whose next slot was filled. */
  mechanism: jitMechanism,
  sites: z.array(jitSite),
  /** Raw JITed images (hex) with their kernel address, kept so a classification can be re-checked. */
  images: z.array(z.object({ prog: z.number().int(), address: z.string(), hex: z.string(), symbol: z.string().optional() })).default([]),
  /** Why there is no image to read (mechanism no-jit or image-unavailable): the sysctl, config or restriction seen. */
  reason: z.string().optional(),
  note: z.string().optional(),
});
export type JitEvidence = z.infer<typeof jitEvidence>;

/** One x86-64 instruction of a JIT image, as bytes and objdump-style text (src/measure/x86-format.ts). */
const jitInsn = z.object({
  offset: z.number().int().min(0),
  bytes: z.string(),
  text: z.string(),
});
export type JitInsn = z.infer<typeof jitInsn>;

/** One variant's tail-call sequence in one program's image (docs/measurement.md, "Only the jump differs"). */
const jitSequence = z.object({
  variant,
  prog: z.number().int().min(0),
  mechanism: jitMechanism,
  /** From after the map load (`r2 = jmp_table`) up to the fall-through label `out`. */
  insns: z.array(jitInsn),
  /** Instructions a taken tail call runs in this image: from the first of the sequence through the jump (a thunk it jumps to is not in the image). */
  executed: z.number().int().min(0),
});
export type JitSequence = z.infer<typeof jitSequence>;

/** An instruction outside the tail-call sequence that one variant's image has and the other's lacks (after normalisation). */
const jitDifference = z.object({
  prog: z.number().int().min(0),
  variant,
  offset: z.number().int().min(0),
  bytes: z.string(),
  text: z.string(),
});
export type JitDifference = z.infer<typeof jitDifference>;

/**
 * The proof that the two variants differ only at the call site (src/measure/jit-symmetry.ts): every
 * program's direct and indirect images, immediates and jump displacements masked, are identical outside
 * the tail-call sequence. `unchecked`: the images could not be compared (the reason says why).
 */
export const jitSymmetry = z.object({
  verdict: z.enum(['identical', 'differ', 'unchecked']),
  /** Program pairs (direct prog_i, indirect prog_i) compared. */
  programs: z.number().int().min(0),
  /** Programs whose images differ outside the sequence. */
  programsDiffering: z.number().int().min(0),
  /** The differing instructions (of the first differing programs; at most a few dozen). */
  differences: z.array(jitDifference),
  /** The tail-call sequence of each variant, from one program whose next slot was filled. */
  sequences: z.array(jitSequence),
  reason: z.string().optional(),
});
export type JitSymmetry = z.infer<typeof jitSymmetry>;

const variantResult = z.object({
  variant,
  samples: z.array(sample),
  /** Calls thrown away before sampling (warm-up), per depth. */
  warmup: z.number().int().min(0),
  jit: jitEvidence.optional(),
  /** Benchmark 2's per-depth figures under real packets (src/results/traffic-result.ts); absent for test-run cells. */
  traffic: z.array(trafficSample).optional(),
  /** The samples' switch checks, counted (src/results/contamination.ts); absent where the agent did not check. */
  contamination: contamination.optional(),
});
export type VariantResult = z.infer<typeof variantResult>;

/** One transfer a strategy's level makes, as the JIT wrote it (src/measure/jit-strategies.ts). */
const strategyTransfer = z.object({
  kind: z
    .string()
    .describe(
      'subprog-call, loop-call, helper-call, direct-jump, retpoline-thunk, its-thunk, inline-retpoline, lfence-jmp, plain-indirect, arm64-br',
    ),
  func: z.string().describe('prog_3, or prog_3/f1 for the second function of its image'),
  offset: z.number().int().min(0),
  bytes: z.string(),
  target: z.string().optional(),
});

/**
 * The proof of a strategy's transfer from its JIT images (docs/measurement.md, "Benchmark 3: strategies"): which
 * instruction carries a level to the next, and that every function runs the same body as the tail-call chain.
 */
export const strategyProof = z.object({
  mechanism: z.string().describe('the transfers every level makes, joined by +; `unproven` when none was recognised'),
  transfers: z.array(strategyTransfer),
  bodies: z.number().int().min(0).describe("functions whose body matched the reference body (the tail-call chain's)"),
  bodyDifferences: z.array(z.string()).describe('functions without the body, or whose body differs: what they show'),
  level: z.array(z.string()).describe('one level as the JIT wrote it (objdump-style lines)'),
  note: z.string().optional(),
});
export type StrategyProof = z.infer<typeof strategyProof>;

/**
 * One strategy of a strategies cell (bpf/PROTOCOL.md, "Benchmark 3"): `unsupported` is a state of the kernel
 * (the verifier refused it, or the kernel or agent lacks it), with its reason, never a failed cell.
 */
const strategyResult = z.object({
  strategy: strategyName,
  status: z.enum(['ready', 'unsupported']),
  reason: z.string().optional().describe("unsupported: the verifier's words, or what the kernel or agent lacks"),
  object: z.string().optional(),
  programs: z.number().int().min(0),
  maxDepth: z.number().int().min(0).describe("the deepest depth swept: min(params.maxDepth, the strategy's own limit)"),
  limit: z.string().describe('which limit bounds the depth (33 tail calls, 8 call frames, the 256-byte stack rule)'),
  needs: z.string().describe('the first release with the strategy on x86-64'),
  samples: z.array(sample),
  warmup: z.number().int().min(0),
  contamination: contamination.optional(),
  proof: strategyProof.optional().describe('ready strategies with JIT images'),
});
export type StrategyResult = z.infer<typeof strategyResult>;

/**
 * How the agent isolated the sweep (protocol 3): the CPU it was pinned to and the scheduling policy it
 * got, or why not (an error text; "" when it got what it asked for), and how many re-takes it allowed.
 */
export const isolation = z.object({
  cpu: z.number().int(),
  pinned: z.boolean(),
  pinError: z.string().optional(),
  policy: z.string().describe('fifo (SCHED_FIFO) or other (it kept the normal class)'),
  priority: z.number().int().min(0),
  policyError: z.string().optional(),
  schedstat: z.boolean().describe('whether /proc/thread-self/schedstat gave the thread run time'),
  retakes: z.number().int().min(0).optional().describe('re-takes allowed per variant and depth'),
  /**
   * What the rest of the machine did during the sweep (the agent's `load` record, /proc/stat at its start
   * and end): the other CPUs' busy share and the measuring CPU's steal share (time a hypervisor ran
   * something else on it, invisible to the thread's own run time), in %; null where there is none to read
   * (one CPU; unpinned). Absent in cells written before it.
   */
  load: z
    .object({
      cpus: z.number().int().min(1),
      othersBusyPct: z.number().min(0).max(100).nullable(),
      stealPct: z.number().min(0).max(100).nullable(),
    })
    .optional(),
});
export type Isolation = z.infer<typeof isolation>;

/**
 * How the agent ordered the variants: `interleaved` (protocol 2) times every variant at each depth in a
 * seeded random order, so drift cannot fold into their difference; `per-variant` (protocol 1) ran each
 * variant's whole sweep back to back (docs/measurement.md, "Interleaved variants").
 */
const variantOrder = z.enum(['interleaved', 'per-variant']);
export type VariantOrder = z.infer<typeof variantOrder>;

const fingerprint = z.object({
  release: z.string(),
  version: z.string().optional(),
  cmdline: z.string(),
  spectreV2: z.string().describe('/sys/devices/system/cpu/vulnerabilities/spectre_v2'),
  bpfJitEnable: z.string(),
  bpfJitHarden: z.string(),
  bpfJitKallsyms: z.string().optional(),
  /** kernel.kptr_restrict after the agent lowered it to 1 (2 hides JIT images from root). */
  kptrRestrict: z.string().optional(),
  /** Whether /proc/kallsyms existed (absent without CONFIG_KALLSYMS: no JIT image is handed out then). */
  procKallsyms: z.boolean().optional(),
  cpuModel: z.string(),
  /** CONFIG_*RETPOLINE*, CONFIG_BPF_JIT*, CONFIG_MITIGATION_* from the kernel's config. */
  config: z.record(z.string(), z.string()),
});
export type Fingerprint = z.infer<typeof fingerprint>;

/** `none`: the running kernel, measured natively on the host (no VM). */
export const accelerator = z.enum(['kvm', 'tcg', 'none']);
export type Accelerator = z.infer<typeof accelerator>;

/**
 * What a figure is, and so its unit. Never put two kinds on one axis or in one comparison:
 * - `hardware-ns`: nanoseconds on real hardware (KVM guest, or the running kernel natively);
 * - `instructions`: exact instruction counts (TCG with -icount: guest ns = instructions × 2^shift);
 * - `emulated-ns`: wall-clock ns under plain TCG, relative only.
 */
export const figureKind = z.enum(['hardware-ns', 'instructions', 'emulated-ns']);
export type FigureKind = z.infer<typeof figureKind>;

export const backendName = z.enum(['qemu', 'vng', 'native']);
export type BackendName = z.infer<typeof backendName>;

export const cellResult = z.object({
  version: z.literal(CELL_RESULT_VERSION),
  cellId: z.string(),
  /**
   * Which boot of its kernel × boot configuration × benchmark this is, 0-based (runner.replicates):
   * cells that differ only in it are replicates of one another. Absent in files written before it: 0.
   */
  replicate: z.number().int().min(0).optional(),
  runId: z.string(),
  kernel: z.object({
    id: z.string(),
    sha256: z.string().describe('content address of the kernel image in the cache'),
    release: z.string().optional(),
    source: z.string().describe('human-readable origin: debian:bookworm/linux-image-6.1.0-50-cloud-amd64 6.1.176-1'),
    arch: z.enum(ARCHES).optional().describe("the kernel's architecture; absent in cells written before it existed (amd64)"),
  }),
  boot: z.object({ name: z.string(), cmdline: z.string() }),
  benchmark: z.object({ name: z.string(), type: z.string(), params: z.record(z.string(), z.unknown()) }),
  backend: backendName,
  accelerator,
  /** True when the numbers come from software emulation (TCG, with or without instruction counting): derived from figureKind (isEmulatedKind). */
  emulated: z.boolean(),
  /** The kind of figure (and unit) the samples hold. Cells written before it existed are timed. */
  figureKind: figureKind.optional(),
  /** QEMU's -icount shift when figureKind is `instructions` (guest ns per instruction = 2^shift). */
  icountShift: z.number().int().min(0).max(10).optional(),
  status: cellStatus,
  /** Why the cell failed, in one line (absent when ok). */
  message: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
  wallMs: z.number(),
  /**
   * The most cells (this one included) that ran at once on this host while this cell ran: 1 means it
   * was alone, so no other guest's load is in its timing. Absent in cells written before it existed.
   */
  concurrentCells: z.number().int().min(1).optional(),
  fingerprint: fingerprint.optional(),
  /** The agent's sweep: its seed replays the depth and variant orders. Absent in cells written before it. */
  sweep: z
    .object({
      seed: z.number().int().min(0),
      order: variantOrder,
      /** Loads of the chains the sweep was spread over (test-run --loads); absent in cells before it: one. */
      loads: z.number().int().min(1).optional(),
    })
    .optional(),
  /** Pinning and priority of the sweep (protocol 3). Absent in cells written before it, and for traffic cells. */
  isolation: isolation.optional(),
  variants: z.array(variantResult),
  /** Benchmark 3 cells: every strategy asked for, supported or not. Absent for the other benchmarks. */
  strategies: z.array(strategyResult).optional(),
  /** Whether the two variants' JIT images differ only at the call site. Absent in cells written before the proof existed. */
  jitSymmetry: jitSymmetry.optional(),
  /** The last lines of the guest console (always kept; essential when the cell failed). */
  consoleTail: z.array(z.string()),
  host: z.object({ hostname: z.string(), cpuModel: z.string(), tool: z.string() }),
});
export type CellResult = z.infer<typeof cellResult>;

/**
 * Whether figures of this kind come from an emulated machine (instruction counts or emulated ns, both under
 * TCG) rather than the hardware. The figure kind is the one truth; a cell's `emulated` field is derived
 * from it where the cell is written (src/cells/assemble.ts), and kept for readers of the result schema.
 */
export function isEmulatedKind(kind: FigureKind): boolean {
  return kind !== 'hardware-ns';
}

/** The figure kind of a cell, also for cells written before the field existed (timed: KVM or TCG). */
export function figureKindOf(c: Pick<CellResult, 'figureKind' | 'emulated'>): FigureKind {
  return c.figureKind ?? (c.emulated ? 'emulated-ns' : 'hardware-ns');
}
