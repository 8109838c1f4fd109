// The agent's JSON Lines records (bpf/PROTOCOL.md), one zod schema per record type.
// Objects are not strict: a newer agent may add fields, which the host ignores.
import { z } from 'zod';

/** Every record's `v`: the record format, the same in protocols 1, 2 and 3 (3 only added fields and a record). */
const AGENT_RECORD_VERSION = 1;
/** From this `hello.protocol` on, the agent interleaves the variants per depth (bpf/PROTOCOL.md, "Order"). */
export const INTERLEAVED_PROTOCOL = 2;

const base = { v: z.literal(AGENT_RECORD_VERSION) };
const hexAddress = z.string().regex(/^[0-9a-f]+$/, 'expected a hex address without 0x');
const variantName = z.enum(['direct', 'indirect']);

const helloRecord = z.object({
  ...base,
  type: z.literal('hello'),
  agent: z.string(),
  protocol: z.number().int(),
  seed: z.number().int().min(0),
  max_depth: z.number().int().min(0),
  samples: z.number().int().min(1),
  repeat: z.number().int().min(1),
  warmup: z.number().int().min(0),
  /** Protocol 3: switched-out calls re-taken per variant and depth before one is kept, flagged. */
  retakes: z.number().int().min(0).optional(),
  variants: z.array(variantName),
  /** --loads (test-run, strategies): fresh loads of the chains the samples were spread over (absent before it: one). */
  loads: z.number().int().min(1).optional(),
});

const fingerprintRecord = z.object({
  ...base,
  type: z.literal('fingerprint'),
  release: z.string(),
  version: z.string(),
  machine: z.string().optional(),
  cmdline: z.string(),
  spectre_v2: z.string(),
  bpf_jit_enable: z.string(),
  bpf_jit_harden: z.string(),
  bpf_jit_kallsyms: z.string(),
  kptr_restrict: z.string().optional(),
  proc_kallsyms: z.boolean().optional(),
  cpu_model: z.string(),
  config: z.record(z.string(), z.string()),
});

export const thunksRecord = z.object({
  ...base,
  type: z.literal('thunks'),
  symbols: z.array(z.object({ name: z.string(), addr: hexAddress, size: z.number().int().min(0) })),
});

const variantRecord = z.object({
  ...base,
  type: z.literal('variant'),
  variant: variantName,
  object: z.string(),
  programs: z.number().int().min(1),
  max_entries: z.number().int(),
});

export const jitRecord = z.object({
  ...base,
  type: z.literal('jit'),
  variant: variantName,
  prog: z.number().int().min(0),
  name: z.string(),
  next_filled: z.boolean(),
  addr: hexAddress,
  len: z.number().int().min(0),
  symbol: z.string(),
  hex: z.string().regex(/^([0-9a-f]{2})*$/, 'expected lowercase hex bytes'),
});

export const sampleRecord = z.object({
  ...base,
  type: z.literal('sample'),
  variant: variantName,
  depth: z.number().int().min(0),
  duration_ns: z.number().min(0),
  retval: z.number().int(),
  repeat: z.number().int().min(1),
  /** The load of the chains the call timed (--loads; absent from agents before it). */
  load: z.number().int().min(0).optional(),
  // Protocol 3 (bpf/PROTOCOL.md, "sample"): what happened to the thread in the timed window.
  voluntary: z.number().int().min(0).optional(),
  involuntary: z.number().int().min(0).optional(),
  wall_ns: z.number().min(0).optional(),
  run_ns: z.number().min(0).nullable().optional(),
  contaminated: z.boolean().optional(),
  retaken: z.boolean().optional(),
});

/** Protocol 3: how the sweep was isolated (pinning and priority), or why it could not be. */
const isolationRecord = z.object({
  ...base,
  type: z.literal('isolation'),
  cpu: z.number().int(),
  pinned: z.boolean(),
  pin_error: z.string(),
  policy: z.string(),
  priority: z.number().int().min(0),
  policy_error: z.string(),
  schedstat: z.boolean(),
});

/** After the sweep: what the rest of the machine did meanwhile (/proc/stat over the sweep, in %). */
const loadRecord = z.object({
  ...base,
  type: z.literal('load'),
  cpus: z.number().int().min(1),
  /** The CPU the sweep was pinned to; -1 unpinned (then every CPU is "other"). */
  cpu: z.number().int(),
  others_busy_pct: z.number().min(0).max(100).nullable(),
  steal_pct: z.number().min(0).max(100).nullable(),
});

const errorRecord = z.object({
  ...base,
  type: z.literal('error'),
  stage: z.string(),
  variant: variantName.optional(),
  message: z.string(),
});

const endRecord = z.object({
  ...base,
  type: z.literal('end'),
  status: z.enum(['ok', 'error']),
  errors: z.number().int().min(0),
  records: z.number().int().min(0),
  elapsed_ms: z.number().min(0),
});

export const agentRecord = z.discriminatedUnion('type', [
  helloRecord,
  fingerprintRecord,
  thunksRecord,
  variantRecord,
  jitRecord,
  sampleRecord,
  isolationRecord,
  loadRecord,
  errorRecord,
  endRecord,
]);
export type AgentRecord = z.infer<typeof agentRecord>;
