// Benchmark 3's own records (bpf/PROTOCOL.md, "Benchmark 3: strategies"): `strategy`, and the `jit` and
// `sample` records labelled by `strategy` instead of `variant`. A record that does not match is not one
// of them (the caller treats the line as garbage). What the stream gives per strategy is gathered here
// and its transfer proven from the images (src/measure/jit-strategies.ts), where the images are.
import { z } from 'zod';
import { strategyName, type StrategyName } from '../matrix/schema.js';
import type { Sample, StrategyProof, StrategyResult } from '../results/cell-result.js';
import { countContamination } from '../results/contamination.js';
import { jitRecord, sampleRecord } from './agent-records.js';
import { proveStrategy, referenceBody, type StrategyImage } from './jit-strategies.js';
import type { ThunkSymbol } from './jit.js';

const strategyRecord = z.object({
  v: z.literal(1),
  type: z.literal('strategy'),
  strategy: strategyName,
  status: z.enum(['ready', 'unsupported']),
  object: z.string().optional(),
  programs: z.number().int().min(0),
  min_depth: z.number().int().min(0),
  max_depth: z.number().int().min(0),
  limit: z.string(),
  needs: z.string(),
  reason: z.string().optional(),
});

const strategyJitRecord = jitRecord.omit({ variant: true, next_filled: true }).extend({
  strategy: strategyName,
  next_filled: z.boolean().optional(),
  funcs: z.array(z.object({ addr: z.string().regex(/^[0-9a-f]+$/), len: z.number().int().min(0) })).optional(),
});

const strategySampleRecord = sampleRecord.omit({ variant: true }).extend({ strategy: strategyName });
type StrategySampleRecord = z.infer<typeof strategySampleRecord>;

const strategiesRecord = z.discriminatedUnion('type', [strategyRecord, strategyJitRecord, strategySampleRecord]);
type StrategiesRecord = z.infer<typeof strategiesRecord>;

export function parseStrategiesRecord(value: unknown): StrategiesRecord | undefined {
  const parsed = strategiesRecord.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The strategies of one stream, in the order the agent reported them, built up record by record. */
export class StrategyCollector {
  private readonly order: StrategyName[] = [];
  private readonly heads = new Map<StrategyName, z.infer<typeof strategyRecord>>();
  private readonly images = new Map<StrategyName, StrategyImage[]>();
  private readonly samples = new Map<StrategyName, Sample[]>();

  /** `details`: the sample's load and switch check, read as for Benchmark 1 (src/measure/agent-output.ts). */
  add(r: StrategiesRecord, details: (s: StrategySampleRecord) => Partial<Sample>): void {
    if (!this.order.includes(r.strategy)) this.order.push(r.strategy);
    if (r.type === 'strategy') this.heads.set(r.strategy, r);
    else if (r.type === 'jit') {
      this.images.set(r.strategy, [
        ...(this.images.get(r.strategy) ?? []),
        {
          prog: r.prog,
          name: r.name,
          address: r.addr,
          hex: r.hex,
          ...(r.funcs ? { funcs: r.funcs.map((f) => ({ address: f.addr, length: f.len })) } : {}),
          ...(r.next_filled !== undefined ? { nextFilled: r.next_filled } : {}),
        },
      ]);
    } else {
      const s: Sample = { depth: r.depth, durationNs: r.duration_ns, retval: r.retval, repeat: r.repeat, ...details(r) };
      this.samples.set(r.strategy, [...(this.samples.get(r.strategy) ?? []), s]);
    }
  }

  get empty(): boolean {
    return this.order.length === 0;
  }

  /**
   * Each strategy with its samples and proof. The reference body is the tail-call chain's (Benchmark 1's
   * chain, the constant key), else the first body any image shows. A strategy seen only in samples has
   * no `strategy` record: it is reported unsupported with that reason rather than guessed at.
   */
  results(thunks: ThunkSymbol[], warmup: number, machine: string | undefined): StrategyResult[] {
    const reference = referenceBody([...(this.images.get('tailcall-const') ?? []), ...[...this.images.values()].flat()]);
    return this.order.map((name) => {
      const head = this.heads.get(name);
      const samples = this.samples.get(name) ?? [];
      const imgs = this.images.get(name) ?? [];
      const counted = countContamination(samples);
      const proof: StrategyProof | undefined =
        head?.status !== 'ready'
          ? undefined
          : machine === 'aarch64'
            ? {
                mechanism: 'unproven',
                transfers: [],
                bodies: 0,
                bodyDifferences: [],
                level: [],
                note: 'the strategies proof reads x86-64 images only',
              }
            : proveStrategy(imgs, thunks, reference);
      return {
        strategy: name,
        status: head?.status ?? 'unsupported',
        ...(head?.reason !== undefined
          ? { reason: head.reason.trim() }
          : head
            ? {}
            : { reason: 'the agent sent no strategy record for it' }),
        ...(head?.object !== undefined ? { object: head.object } : {}),
        programs: head?.programs ?? 0,
        maxDepth: head?.max_depth ?? 0,
        limit: head?.limit ?? '',
        needs: head?.needs ?? '',
        samples,
        warmup,
        ...(counted ? { contamination: counted } : {}),
        ...(proof ? { proof } : {}),
      };
    });
  }
}
