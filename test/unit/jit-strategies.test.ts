// The strategies' proofs on real JIT images (test/fixtures/strategies: the default kernels under TCG):
// each strategy's transfer is recognised from the bytes and validated by its target, and every function
// of every strategy runs the same body as the tail-call chain, so the strategies differ only in the
// transfer and the frame around it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ThunkSymbol } from '../../src/measure/jit.js';
import { functionsOf, proveStrategy, referenceBody, type StrategyImage } from '../../src/measure/jit-strategies.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

interface Stream {
  thunks: ThunkSymbol[];
  images: Map<string, StrategyImage[]>;
  status: Map<string, { status: string; reason?: string }>;
}

function stream(kernel: string, boot = 'retpoline'): Stream {
  const file = path.join(PACKAGE_ROOT, 'test/fixtures/strategies', `${kernel}.${boot}.jsonl`);
  const recs = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const thunkRec = recs.find((r) => r.type === 'thunks') as { symbols: Array<{ name: string; addr: string; size: number }> };
  const images = new Map<string, StrategyImage[]>();
  const status = new Map<string, { status: string; reason?: string }>();
  for (const r of recs) {
    if (r.type === 'strategy')
      status.set(r.strategy as string, { status: r.status as string, ...(r.reason ? { reason: r.reason as string } : {}) });
    if (r.type !== 'jit') continue;
    const funcs = r.funcs as Array<{ addr: string; len: number }> | undefined;
    const list = images.get(r.strategy as string) ?? [];
    list.push({
      prog: r.prog as number,
      name: r.name as string,
      address: r.addr as string,
      hex: r.hex as string,
      ...(funcs ? { funcs: funcs.map((f) => ({ address: f.addr, length: f.len })) } : {}),
      ...(typeof r.next_filled === 'boolean' ? { nextFilled: r.next_filled } : {}),
    });
    images.set(r.strategy as string, list);
  }
  return { thunks: thunkRec.symbols.map((t) => ({ name: t.name, address: t.addr, size: t.size })), images, status };
}

const KERNELS = ['5.10-cloud', '6.1-cloud', '6.12-cloud', 'sid-cloud'] as const;

describe.each(KERNELS)('strategies on %s (retpoline)', (kernel) => {
  const s = stream(kernel);
  const ref = referenceBody(s.images.get('tailcall-const') ?? []);
  const prove = (strategy: string) => proveStrategy(s.images.get(strategy) ?? [], s.thunks, ref);

  it('finds the shared body in the tail-call chain: movabs %rbx, mov, mov, and, add, movabs %rsi', () => {
    expect(ref).toHaveLength(6);
    expect(ref![0]).toMatch(/^48bb#8$/);
    expect(ref![5]).toMatch(/^48be#8$/);
  });

  it('tail call, constant key: a patched jmp rel32 into the next program, at every filled slot', () => {
    const p = prove('tailcall-const');
    expect(p.mechanism).toBe('direct-jump');
    expect(p.transfers).toHaveLength(33);
    for (const [i, t] of p.transfers.entries()) expect(t.target).toMatch(new RegExp(`^prog_${i + 1}\\+0x[0-9a-f]+$`));
    expect(p.bodyDifferences).toEqual([]);
    expect(p.bodies).toBe(34);
  });

  it('tail call, dynamic key: a jmp to the retpoline thunk', () => {
    const p = prove('tailcall-dynamic');
    expect(p.mechanism).toBe('retpoline-thunk');
    expect(p.transfers.every((t) => t.target === '__x86_indirect_thunk_rcx')).toBe(true);
    expect(p.bodyDifferences).toEqual([]);
  });

  it.each(['call-static', 'call-global'])('%s: a call rel32 into the next function of the same image, 7 deep', (strategy) => {
    const p = prove(strategy);
    expect(p.mechanism).toBe('subprog-call');
    const prefix = strategy === 'call-static' ? 'c7_0' : 'g7_0';
    expect(p.transfers.map((t) => `${t.func} -> ${t.target}`)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((k) => `${k ? `${prefix}/f${k}` : prefix} -> ${prefix}/f${k + 1}`),
    );
    expect(p.transfers.every((t) => t.bytes.startsWith('e8') && t.bytes.length === 10)).toBe(true);
    // 8 programs with 0..7 subprograms: 36 functions, each with the body.
    expect(p.bodies).toBe(36);
    expect(p.bodyDifferences).toEqual([]);
  });

  it('tail calls from a subprogram: each entry calls its subprogram, which jumps into the next program', () => {
    const p = prove('tailcall-subprog');
    expect(p.mechanism).toBe('subprog-call+direct-jump');
    const calls = p.transfers.filter((t) => t.kind === 'subprog-call');
    const jumps = p.transfers.filter((t) => t.kind === 'direct-jump');
    expect(calls).toHaveLength(33);
    expect(jumps).toHaveLength(33);
    for (const [i, t] of calls.entries()) expect(`${t.func} -> ${t.target}`).toBe(`prog_${i} -> prog_${i}/f1`);
    jumps.forEach((t, i) => {
      expect(t.func).toBe(`prog_${i}/f1`);
      expect(t.target).toMatch(new RegExp(`^prog_${i + 1}\\+0x[0-9a-f]+$`));
    });
    expect(p.bodies).toBe(34);
    expect(p.bodyDifferences).toEqual([]);
  });

  it('gotox is unsupported, with a reason', () => {
    expect(s.status.get('gotox')?.status).toBe('unsupported');
    expect(s.status.get('gotox')?.reason).toMatch(/gotox/);
  });

  it("splits a multi-function image at the agent's funcs, each at its own address", () => {
    const img = s.images.get('call-static')!.find((i) => i.name === 'c7_0')!;
    const fs = functionsOf(img);
    if (typeof fs === 'string') throw new Error(fs);
    expect(fs).toHaveLength(8);
    expect(fs.map((f) => f.base.toString(16))).toEqual(img.funcs!.map((f) => f.address));
  });
});

describe.each(['5.10-cloud', 'sid-cloud'])('%s with spectre_v2=off', (kernel) => {
  const s = stream(kernel, 'spectre-off');
  const ref = referenceBody(s.images.get('tailcall-const')!);
  it('the dynamic key is a plain jmp *%rcx; every other transfer is what it is under the retpoline', () => {
    const dynamic = proveStrategy(s.images.get('tailcall-dynamic')!, s.thunks, ref);
    expect(dynamic.mechanism).toBe('plain-indirect');
    expect(dynamic.transfers.every((t) => t.bytes === 'ffe1')).toBe(true);
    expect(proveStrategy(s.images.get('tailcall-const')!, s.thunks, ref).mechanism).toBe('direct-jump');
    expect(proveStrategy(s.images.get('call-static')!, s.thunks, ref).mechanism).toBe('subprog-call');
    expect(proveStrategy(s.images.get('tailcall-subprog')!, s.thunks, ref).mechanism).toBe('subprog-call+direct-jump');
    for (const imgs of s.images.values()) expect(proveStrategy(imgs, s.thunks, ref).bodyDifferences).toEqual([]);
  });
});

describe('bpf_loop', () => {
  it("5.10 refuses it (no callbacks before 5.13, no bpf_loop before 5.17): unsupported with the verifier's words", () => {
    const st = stream('5.10-cloud').status.get('loop');
    expect(st?.status).toBe('unsupported');
    expect(st?.reason).toMatch(/^the verifier refused it: /);
    expect(stream('5.10-cloud').images.has('loop')).toBe(false);
  });

  it.each(['6.1-cloud', '6.12-cloud', 'sid-cloud'])('%s inlines it: a loop whose call rel32 runs the callback', (kernel) => {
    const s = stream(kernel);
    const p = proveStrategy(s.images.get('loop')!, s.thunks, referenceBody(s.images.get('tailcall-const')!));
    expect(p.mechanism).toBe('loop-call');
    expect(p.transfers).toHaveLength(1);
    expect(p.transfers[0]).toMatchObject({ func: 'loop_0', target: 'loop_0/f1' });
    // The loop and its callback both run the body.
    expect(p.bodies).toBe(2);
    expect(p.bodyDifferences).toEqual([]);
  });
});

describe('what the proof refuses', () => {
  const s = stream('6.1-cloud');
  it('a body that differs is named, instruction by instruction', () => {
    const imgs = s.images.get('call-static')!.map((i) => ({ ...i }));
    // The key mask of c1_0's body: and $0x0,%rdx -> or $0x0,%rdx (48 83 e2 00 -> 48 83 ca 00).
    const c1 = imgs.find((i) => i.name === 'c1_0')!;
    const at = c1.hex.indexOf('4883e200');
    c1.hex = `${c1.hex.slice(0, at)}4883ca00${c1.hex.slice(at + 8)}`;
    const p = proveStrategy(imgs, s.thunks, referenceBody(s.images.get('tailcall-const')!));
    expect(p.bodyDifferences).toHaveLength(1);
    expect(p.bodyDifferences[0]).toMatch(/^c1_0: .*or \$0x0,%rdx/);
  });

  it('a withheld image leaves the strategy unproven', () => {
    const imgs = s.images.get('call-static')!.map((i) => ({ ...i, hex: '00'.repeat(i.hex.length / 2) }));
    const p = proveStrategy(imgs, s.thunks, undefined);
    expect(p.mechanism).toBe('unproven');
    expect(p.note).toMatch(/withheld/);
  });

  it('funcs that do not add up to the image are refused', () => {
    const img = { ...s.images.get('call-static')!.find((i) => i.name === 'c2_0')! };
    img.funcs = img.funcs!.slice(1);
    expect(functionsOf(img)).toMatch(/funcs add up to \d+ bytes, the image has \d+/);
  });
});
