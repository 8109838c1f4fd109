// parseAgentOutput on real agent streams (test/fixtures/jit), and on the same streams damaged the
// way a serial port damages them: \r\n, kernel messages interleaved, cut off mid-record.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { cellResult } from '../../src/results/cell-result.js';
import { cellDoc } from '../support/cell-doc.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'jit');
const read = (f: string) => readFileSync(path.join(FIXTURES, f), 'utf8');
const STREAM_510 = read('linux-5.10.223-cloud.retpoline-generic.jsonl');
const STREAM_72 = read('linux-7.2.13-cloud.retpoline-generic.jsonl');

function hello(text: string): { max_depth: number; samples: number; warmup: number } {
  return JSON.parse(text.split('\n')[0]!) as { max_depth: number; samples: number; warmup: number };
}

describe('parseAgentOutput on real streams', () => {
  it.each([
    ['5.10', STREAM_510, '5.10.0-32-cloud-amd64'],
    ['7.2', STREAM_72, '7.2.13+deb14-cloud-amd64'],
  ])('%s: complete, fingerprint filled, every depth sampled with retval == depth', (_name, text, release) => {
    const out = parseAgentOutput(text);
    const h = hello(text);
    expect(out.complete).toBe(true);
    expect(out.errors).toEqual([]);
    expect(out.garbage).toEqual([]);
    expect(out.fingerprint).toMatchObject({ release, bpfJitEnable: '1', bpfJitHarden: '0' });
    expect(out.fingerprint?.spectreV2).toMatch(/Retpolines/);
    expect(out.fingerprint?.cmdline).toMatch(/spectre_v2=retpoline,generic/);
    expect(out.fingerprint?.cpuModel).not.toBe('');
    expect(out.variants.map((v) => v.variant)).toEqual(['direct', 'indirect']);
    for (const v of out.variants) {
      expect(v.warmup).toBe(h.warmup);
      expect(v.samples).toHaveLength((h.max_depth + 1) * h.samples);
      expect(v.samples.every((s) => s.retval === s.depth && s.durationNs > 0)).toBe(true);
      expect(new Set(v.samples.map((s) => s.depth)).size).toBe(h.max_depth + 1);
    }
    expect(out.variants[0]?.jit?.mechanism).toBe('direct-jump');
    expect(out.variants[1]?.jit?.mechanism).toBe('retpoline-thunk');
  });

  it('a protocol-1 stream: each variant swept whole, one after the other, its seed kept', () => {
    const out = parseAgentOutput(STREAM_510);
    const h = hello(STREAM_510);
    expect(out.sweep).toEqual({ seed: (JSON.parse(STREAM_510.split('\n')[0]!) as { seed: number }).seed, order: 'per-variant' });
    expect(out.blocks).toHaveLength(2 * (h.max_depth + 1));
    expect(out.blocks.slice(0, h.max_depth + 1).every((b) => b.variant === 'direct')).toBe(true);
    expect(out.blocks.slice(h.max_depth + 1).every((b) => b.variant === 'indirect')).toBe(true);
    expect(out.stream).toBe(STREAM_510);
  });

  it('yields values that fit the cell result schema', () => {
    const out = parseAgentOutput(STREAM_72);
    const doc = cellDoc({ fingerprint: out.fingerprint, variants: out.variants });
    expect(cellResult.safeParse(doc).success).toBe(true);
  });
});

describe('parseAgentOutput on damaged streams', () => {
  it('accepts \\r\\n and keeps interleaved console lines as garbage', () => {
    const lines = STREAM_510.trimEnd().split('\n');
    const noisy = [
      '[    3.141592] random: crng init done',
      ...lines.slice(0, 5),
      '',
      '[    4.000000] tailmatrix-agent: something on the wrong port',
      ...lines.slice(5),
    ].join('\r\n');
    const clean = parseAgentOutput(STREAM_510);
    const out = parseAgentOutput(noisy);
    expect(out.garbage).toEqual(['[    3.141592] random: crng init done', '[    4.000000] tailmatrix-agent: something on the wrong port']);
    expect(out.complete).toBe(true);
    expect(out.variants).toEqual(clean.variants);
  });

  it('finds a record that follows noise on the same line', () => {
    const lines = STREAM_510.trimEnd().split('\n');
    const sample = lines.find((l) => l.includes('"type":"sample"'))!;
    const out = parseAgentOutput(`\u0000\u001b[?7l${sample}\n`);
    expect(out.variants[0]?.samples).toHaveLength(1);
    expect(out.garbage).toEqual([]);
  });

  it('a stream cut mid-record is not complete and the partial line is garbage', () => {
    const cut = STREAM_510.slice(0, Math.floor(STREAM_510.length * 0.8));
    const out = parseAgentOutput(cut);
    expect(out.complete).toBe(false);
    expect(out.garbage).toHaveLength(1);
    expect(cut.endsWith(out.garbage[0]!)).toBe(true);
  });

  it('records of the wrong shape are garbage, error records are reported', () => {
    const text = [
      '{"v":1,"type":"sample","variant":"direct","duration_ns":5,"retval":0,"repeat":1}',
      '{"v":2,"type":"end","status":"ok","errors":0,"records":0,"elapsed_ms":1}',
      '{"v":1,"type":"error","stage":"load","variant":"indirect","message":"bpf_object__load: -22 (Invalid argument)"}',
      '{"v":1,"type":"end","status":"error","errors":1,"records":1,"elapsed_ms":1}',
    ].join('\n');
    const out = parseAgentOutput(text);
    expect(out.garbage).toHaveLength(2);
    expect(out.errors).toEqual(['load (indirect): bpf_object__load: -22 (Invalid argument)']);
    expect(out.complete).toBe(true);
    expect(out.variants).toEqual([]);
  });
});
