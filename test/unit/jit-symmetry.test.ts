// The proof that the two chains differ only at the call site, on real JIT images: the programs in BPF
// assembly (test/fixtures/jit/symmetric/, streams of the default sweep under -icount) prove identical, and
// the earlier C programs (test/fixtures/jit/*.jsonl, where clang allocated registers differently around
// bpf_tail_call_static) are a real asymmetric pair: the cell withholds its comparison, naming the
// instructions that differ, in every report format.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { proveSymmetry } from '../../src/measure/jit-symmetry.js';
import { decodeImage } from '../../src/measure/x86-decode.js';
import { formatInsn } from '../../src/measure/x86-format.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { fromAgentStream } from '../../src/cells/assemble.js';
import { fixtureModels, generateCell } from '../fixtures/results/generate.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'jit');
const stream = (f: string) => parseAgentOutput(readFileSync(path.join(FIXTURES, f), 'utf8'));
const jitOf = (f: string) => {
  const out = stream(f);
  return (['direct', 'indirect'] as const).map((v) => out.variants.find((x) => x.variant === v)?.jit) as [
    CellResult['variants'][0]['jit'],
    CellResult['variants'][0]['jit'],
  ];
};

/** A cell result around a real stream, derived as a run derives it (fromAgentStream, -icount shift 3). */
function cellFrom(file: string, kernelId: string): CellResult {
  const base = generateCell(fixtureModels()[4]!);
  const derived = fromAgentStream(stream(file), 3);
  return {
    ...base,
    cellId: `${kernelId}__retpoline__test-run`,
    kernel: { ...base.kernel, id: kernelId, release: derived.fingerprint!.release, sha256: kernelId.padEnd(64, '0') },
    accelerator: 'tcg',
    emulated: true,
    figureKind: 'instructions',
    icountShift: 3,
    ...derived,
  };
}

const SYMMETRIC = [
  { file: 'symmetric/linux-5.10.223-cloud.retpoline-generic.jsonl', jump: 'jmp __x86_indirect_thunk_rcx', mechanism: 'retpoline-thunk' },
  { file: 'symmetric/linux-5.10.223-cloud.spectre-off.jsonl', jump: 'jmp *%rcx', mechanism: 'plain-indirect' },
  { file: 'symmetric/linux-7.2.13-cloud.retpoline-generic.jsonl', jump: 'jmp __x86_indirect_thunk_rcx', mechanism: 'retpoline-thunk' },
  { file: 'symmetric/linux-7.2.13-cloud.spectre-off.jsonl', jump: 'jmp *%rcx', mechanism: 'plain-indirect' },
];

describe('the chains in BPF assembly: identical outside the tail-call sequence', () => {
  it.each(SYMMETRIC)(
    '$file: all 34 program pairs identical, each sequence named instruction by instruction',
    ({ file, jump, mechanism }) => {
      const s = proveSymmetry(...jitOf(file));
      expect(s).toMatchObject({ verdict: 'identical', programs: 34, programsDiffering: 0, differences: [] });
      const [d, x] = s.sequences;
      expect([d?.variant, d?.prog, d?.mechanism, x?.variant, x?.prog, x?.mechanism]).toEqual([
        'direct',
        1,
        'direct-jump',
        'indirect',
        1,
        mechanism,
      ]);
      // The direct sequence: the tail-call counter check, the poke site's bypass (a NOP while the slot is
      // filled), the frame's pops, the patched jump into prog_2. 9 instructions on every kernel here.
      expect(d!.executed).toBe(9);
      expect(d!.insns[d!.executed - 1]!.text).toMatch(/^jmp bpf_prog_[0-9a-f]+_prog_2\+0x[0-9a-f]+$/);
      expect(d!.insns.filter((i) => /^pop /.test(i.text)).length).toBeGreaterThanOrEqual(2);
      // The indirect one: bounds check, counter, slot load, NULL check, pops, target, the jump: 16.
      expect(x!.executed).toBe(16);
      expect(x!.insns[x!.executed - 1]!.text).toBe(jump);
      expect(x!.insns.slice(0, 3).map((i) => i.text.split(' ')[0])).toEqual(['mov', 'cmp', 'jbe']);
      // Same callee-saved register in both: only %rbx is popped besides the tail-call counter's %rax.
      for (const q of s.sequences)
        expect(
          q.insns
            .filter((i) => i.text.startsWith('pop '))
            .map((i) => i.text)
            .filter((t) => t !== 'pop %rax'),
        ).toEqual(['pop %rbx']);
    },
  );

  it('keeps the comparison of a symmetric cell and carries the proof into the summary', () => {
    const summary = analyse([cellFrom('symmetric/linux-7.2.13-cloud.retpoline-generic.jsonl', 'sid-cloud')]);
    const c = summary.cells[0]!;
    expect(c.withheldReason).toBeNull();
    expect(c.comparison).not.toBeNull();
    expect(c.jitSymmetry?.verdict).toBe('identical');
  });
});

describe('the earlier C programs: a real asymmetric pair', () => {
  const ASYMMETRIC = [
    'linux-5.10.223-cloud.retpoline-generic.jsonl',
    'linux-6.1.176-cloud.retpoline-generic.jsonl',
    'linux-7.2.13-cloud.spectre-off.jsonl',
  ];

  it.each(ASYMMETRIC)('%s: every program differs outside the sequence, r13/r14 saved by the direct variant only', (file) => {
    const s = proveSymmetry(...jitOf(file));
    expect(s.verdict).toBe('differ');
    expect(s.programsDiffering).toBe(34);
    const direct = s.differences.filter((x) => x.prog === 0 && x.variant === 'direct').map((x) => x.text);
    const indirect = s.differences.filter((x) => x.prog === 0 && x.variant === 'indirect').map((x) => x.text);
    expect(direct).toEqual(expect.arrayContaining(['push %r13', 'push %r14', 'pop %r14', 'pop %r13']));
    expect(indirect.some((t) => t.startsWith('pop %r1'))).toBe(false);
  });

  it('withholds the comparison, naming the differing instructions, in every format', async () => {
    const summary = analyse([cellFrom('linux-7.2.13-cloud.spectre-off.jsonl', 'sid-cloud')]);
    const c = summary.cells[0]!;
    expect(c.direct?.mechanism).toBe('direct-jump');
    expect(c.indirect?.mechanism).toBe('plain-indirect');
    expect(c.comparison).toBeNull();
    expect(c.withheldReason).toMatch(/differ outside the tail-call sequence \(34 of 34 programs\)/);
    expect(c.withheldReason).toMatch(/prog_0: only direct has push %r13 \(\+0x23\), push %r14 \(\+0x25\)/);
    const md = renderMarkdown(summary);
    expect(md).toContain('only direct has push %r13 (+0x23)');
    expect(await renderHtml(summary)).toContain('only direct has push %r13 (+0x23)');
    expect(JSON.parse(renderJson(summary)).cells[0].withheldReason).toBe(c.withheldReason);
  });

  it('an image that cannot be cut at its call site is unchecked, and unchecked withholds too', () => {
    const [d, x] = jitOf('symmetric/linux-7.2.13-cloud.spectre-off.jsonl');
    // prog_5's indirect site dropped: no tail-call site left to cut that image at.
    const s = proveSymmetry(d, { ...x!, sites: x!.sites.filter((q) => q.prog !== 5) });
    expect(s).toMatchObject({ verdict: 'unchecked', reason: 'indirect prog_5: no tail-call site recognised in the image' });
    const cell = cellFrom('symmetric/linux-7.2.13-cloud.spectre-off.jsonl', 'sid-cloud');
    const c = analyse([{ ...cell, jitSymmetry: s }]).cells[0]!;
    expect(c.comparison).toBeNull();
    expect(c.withheldReason).toMatch(/could not be compared outside the tail-call sequence: indirect prog_5/);
  });

  it('an image the decoder cannot walk is unchecked, naming the program and offset (fail closed)', () => {
    const [d, x] = jitOf('symmetric/linux-7.2.13-cloud.spectre-off.jsonl');
    // 0x62 (EVEX) is no form the BPF JIT emits: the decoder stops at byte 0 of prog_3's image.
    const images = x!.images.map((i) => (i.prog === 3 ? { ...i, hex: `62${i.hex.slice(2)}` } : i));
    expect(proveSymmetry(d, { ...x!, images })).toMatchObject({ verdict: 'unchecked', reason: 'indirect prog_3 does not decode at +0x0' });
  });
});

describe('x86-format: objdump text for the JIT images', () => {
  it('names the instructions of a real image as objdump -d does', () => {
    // linux-7.2.13 spectre_v2=off, direct prog_1 of the earlier programs; expected text from
    // `objdump -D -b binary -mi386:x86-64` (binutils 2.40) of the same bytes.
    const out = stream('linux-7.2.13-cloud.spectre-off.jsonl');
    const hex = out.variants.find((v) => v.variant === 'direct')!.jit!.images.find((i) => i.prog === 1)!.hex;
    const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
    const text = decodeImage(bytes)
      .insns.slice(0, 40)
      .map((i) => formatInsn(bytes, i));
    expect(text).toEqual([
      'endbr64',
      'nopl (5 bytes)',
      'xor %rax,%rax',
      'push %rbp',
      'mov %rsp,%rbp',
      'endbr64',
      'cmp $0x21,%rax',
      'ja 0x20',
      'push %rax',
      'mov %rsp,%rax',
      'jmp 0x21',
      'push %rax',
      'push %rax',
      'push %rbx',
      'push %r13',
      'push %r14',
      'mov %rdi,%rbx',
      'movabs $0xff725661400ae000,%rdi',
      'mov 0x0(%rdi),%r13d',
      'movabs $0xff44c230c2482400,%r14',
      'mov %rbx,%rdi',
      'mov %r14,%rsi',
      'mov $0x2,%edx',
      'mov -0x10(%rbp),%rax',
      'cmpq $0x21,(%rax)',
      'jae 0x6f',
      'nopl (5 bytes)',
      'addq $0x1,(%rax)',
      'pop %r14',
      'pop %r13',
      'pop %rbx',
      'pop %rax',
      'pop %rax',
      'jmp 0xd0',
      'add $0x1,%r13',
      'mov %r13,%rax',
      'pop %r14',
      'pop %r13',
      'pop %rbx',
      'leave',
    ]);
  });

  it('writes a form it does not name as its bytes, never a guess', () => {
    const bytes = Uint8Array.from([0x0f, 0x0b]); // ud2: decoded (two-byte map, no operands), not named
    const insn = decodeImage(bytes).insns[0]!;
    expect(formatInsn(bytes, insn)).toBe('.byte 0f 0b');
  });
});
