// Turns the agent's JSON Lines stream (bpf/PROTOCOL.md) into results-shaped values. Tolerant of
// transport noise (\r\n from a tty, a kernel message or a half line interleaved on the port): such
// lines are kept in `garbage`, never guessed at. Strict about records: a line that parses as JSON
// but does not match its record's schema is garbage too, so a truncated line cannot sneak in.
import type { Fingerprint, Isolation, Sample, Variant, VariantResult } from '../results/cell-result.js';
import { countContamination } from '../results/contamination.js';
import type { AgentOutput } from './agent-output.types.js';
import { agentRecord, INTERLEAVED_PROTOCOL, type AgentRecord } from './agent-records.js';
import { classifyVariantJit, type JitImage, type ThunkSymbol } from './jit.js';
import { parseStrategiesRecord, StrategyCollector } from './strategies-output.js';
import { parseTrafficRecord, type ParsedTraffic } from './traffic-output.js';
import { withLoads } from './sample-loads.js';

/** The first `{` of a line: a record may follow serial noise on the same line (no newline before it). */
function recordText(line: string): string | undefined {
  const start = line.indexOf('{"v":');
  return start < 0 ? undefined : line.slice(start);
}

type StrategiesLine = { strategies: NonNullable<ReturnType<typeof parseStrategiesRecord>> };

function parseLine(line: string): AgentRecord | ParsedTraffic | StrategiesLine | undefined {
  const text = recordText(line);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    const parsed = agentRecord.safeParse(value);
    if (parsed.success) return parsed.data;
    // Benchmarks 2 and 3 have their own records (src/measure/traffic-output.ts, strategies-output.ts).
    const strategies = parseStrategiesRecord(value);
    return strategies ? { strategies } : parseTrafficRecord(value);
  } catch {
    return undefined;
  }
}

/**
 * What a sample says beyond its figure: its load, and (protocol 3) its window check; neither for an older
 * agent's (unknown, not clean).
 */
function sampleDetails(r: Omit<Extract<AgentRecord, { type: 'sample' }>, 'variant'>): Partial<Sample> {
  const load = r.load !== undefined ? { load: r.load } : {};
  if (r.contaminated === undefined) return load;
  return {
    ...load,
    ...(r.voluntary !== undefined && r.involuntary !== undefined
      ? { switches: { voluntary: r.voluntary, involuntary: r.involuntary } }
      : {}),
    ...(r.wall_ns !== undefined ? { wallNs: r.wall_ns } : {}),
    ...(r.run_ns !== undefined ? { runNs: r.run_ns } : {}),
    contaminated: r.contaminated,
    retaken: r.retaken ?? false,
  };
}

function toIsolation(r: Extract<AgentRecord, { type: 'isolation' }>, retakes: number | undefined): Isolation {
  return {
    cpu: r.cpu,
    pinned: r.pinned,
    ...(r.pin_error ? { pinError: r.pin_error } : {}),
    policy: r.policy,
    priority: r.priority,
    ...(r.policy_error ? { policyError: r.policy_error } : {}),
    schedstat: r.schedstat,
    ...(retakes !== undefined ? { retakes } : {}),
  };
}

function toFingerprint(r: Extract<AgentRecord, { type: 'fingerprint' }>): Fingerprint {
  return {
    release: r.release,
    version: r.version,
    cmdline: r.cmdline,
    spectreV2: r.spectre_v2,
    bpfJitEnable: r.bpf_jit_enable,
    bpfJitHarden: r.bpf_jit_harden,
    bpfJitKallsyms: r.bpf_jit_kallsyms,
    ...(r.kptr_restrict !== undefined ? { kptrRestrict: r.kptr_restrict } : {}),
    ...(r.proc_kallsyms !== undefined ? { procKallsyms: r.proc_kallsyms } : {}),
    cpuModel: r.cpu_model,
    config: r.config,
  };
}

export function parseAgentOutput(text: string): AgentOutput {
  const garbage: string[] = [];
  const errors: string[] = [];
  let fingerprint: Fingerprint | undefined;
  /** The guest's `uname -m` (the fingerprint record's machine): which decoder reads the JIT images. */
  let machine: string | undefined;
  let thunks: ThunkSymbol[] = [];
  let warmup = 0;
  let sweep: AgentOutput['sweep'];
  let perDepth = 0;
  let retakes: number | undefined;
  let isolation: Isolation | undefined;
  let load: Isolation['load'];
  let complete = false;
  const order: Variant[] = [];
  const blocks: AgentOutput['blocks'] = [];
  const samples = new Map<Variant, VariantResult['samples']>();
  const images = new Map<Variant, JitImage[]>();
  const traffic = new Map<Variant, NonNullable<VariantResult['traffic']>>();
  const strategies = new StrategyCollector();
  const touch = (v: Variant) => {
    if (!order.includes(v)) order.push(v);
  };

  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r+$/, '');
    if (line.trim() === '') continue;
    const record = parseLine(line);
    if (!record) {
      garbage.push(line);
      continue;
    }
    if ('strategies' in record) {
      strategies.add(record.strategies, sampleDetails);
      continue;
    }
    if (!('type' in record)) {
      touch(record.variant);
      if (record.sample) traffic.set(record.variant, [...(traffic.get(record.variant) ?? []), record.sample]);
      errors.push(...record.problems);
      continue;
    }
    switch (record.type) {
      case 'hello':
        warmup = record.warmup;
        retakes = record.retakes;
        perDepth = record.samples;
        sweep = {
          seed: record.seed,
          order: record.protocol >= INTERLEAVED_PROTOCOL ? 'interleaved' : 'per-variant',
          ...(record.loads !== undefined ? { loads: record.loads } : {}),
        };
        break;
      case 'fingerprint':
        fingerprint = toFingerprint(record);
        machine = record.machine;
        break;
      case 'thunks':
        thunks = record.symbols.map((s) => ({ name: s.name, address: s.addr, size: s.size }));
        break;
      case 'variant':
        touch(record.variant);
        break;
      case 'jit':
        touch(record.variant);
        images.set(record.variant, [
          ...(images.get(record.variant) ?? []),
          {
            prog: record.prog,
            address: record.addr,
            length: record.len,
            hex: record.hex,
            symbol: record.symbol || undefined,
            nextFilled: record.next_filled,
          },
        ]);
        break;
      case 'sample': {
        touch(record.variant);
        const last = blocks.at(-1);
        if (last?.variant !== record.variant || last.depth !== record.depth) blocks.push({ depth: record.depth, variant: record.variant });
        samples.set(record.variant, [
          ...(samples.get(record.variant) ?? []),
          { depth: record.depth, durationNs: record.duration_ns, retval: record.retval, repeat: record.repeat, ...sampleDetails(record) },
        ]);
        break;
      }
      case 'load':
        load = { cpus: record.cpus, othersBusyPct: record.others_busy_pct, stealPct: record.steal_pct };
        break;
      case 'isolation':
        isolation = toIsolation(record, retakes);
        break;
      case 'error':
        errors.push(`${record.stage}${record.variant ? ` (${record.variant})` : ''}: ${record.message}`);
        break;
      case 'end':
        complete = true;
        break;
    }
  }

  const variants: VariantResult[] = order.map((v) => {
    const imgs = images.get(v);
    const vs = withLoads(samples.get(v) ?? [], perDepth, sweep?.loads ?? 1);
    const counted = countContamination(vs);
    return {
      variant: v,
      samples: vs,
      warmup,
      ...(counted ? { contamination: counted } : {}),
      ...(imgs ? { jit: classifyVariantJit(imgs, thunks, { ...fingerprint, machine }) } : {}),
      ...(traffic.has(v) ? { traffic: traffic.get(v) } : {}),
    };
  });
  return {
    ...(sweep ? { sweep } : {}),
    ...(isolation ? { isolation: load ? { ...isolation, load } : isolation } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    variants,
    ...(strategies.empty ? {} : { strategies: strategies.results(thunks, warmup, machine) }),
    errors,
    complete,
    garbage,
    blocks,
    stream: text,
  };
}
