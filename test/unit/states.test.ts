// The no-JIT and withheld-image states from real agent streams of kernels built without CONFIG_BPF_JIT
// and without CONFIG_KALLSYMS (test/fixtures/jit/README.md), through the analysis and every report
// format; the JIT without RETPOLINE; and the retpoline's own price, on the base kernel booted both
// ways and paired by the mechanism each boot showed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { retpolinePrices } from '../../src/analysis/retpoline-price.js';
import type { Summary } from '../../src/analysis/summary-schema.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { escapeXml } from '../../src/report/escape.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { CellResult } from '../../src/results/cell-result.js';
import { fixtureModels, generateCell } from '../fixtures/results/generate.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'jit');
const stream = (f: string) => parseAgentOutput(readFileSync(path.join(FIXTURES, f), 'utf8'));

/** A cell result around a real stream, as assembleCellResult builds it (-icount, shift 3). */
function cellFrom(file: string, kernelId: string): CellResult {
  const out = stream(file);
  const base = generateCell(fixtureModels()[4]!);
  return {
    ...base,
    cellId: `${kernelId}__retpoline`,
    kernel: { ...base.kernel, id: kernelId, release: out.fingerprint!.release, sha256: kernelId.padEnd(64, '0') },
    accelerator: 'tcg',
    emulated: true,
    figureKind: 'instructions',
    icountShift: 3,
    fingerprint: out.fingerprint,
    variants: out.variants.map((v) => ({ ...v, samples: v.samples.map((s) => ({ ...s, instructions: Math.round(s.durationNs / 8) })) })),
  };
}

describe('real streams from built kernels', () => {
  it('no CONFIG_BPF_JIT: no sysctl errors, every program len 0, no-jit with the reason, and samples for every depth', () => {
    const out = stream('linux-6.1.176-built.no-jit.jsonl');
    expect(out.complete).toBe(true);
    expect(out.errors).toEqual([]);
    expect(out.fingerprint).toMatchObject({ bpfJitEnable: '', bpfJitHarden: '', procKallsyms: true });
    for (const v of out.variants) {
      expect(v.jit).toMatchObject({ mechanism: 'no-jit', sites: [] });
      expect(v.jit?.reason).toMatch(/without CONFIG_BPF_JIT/);
      expect(v.jit?.note).toBeUndefined();
      expect(v.samples.every((s) => s.retval === s.depth)).toBe(true);
    }
  });

  it('no CONFIG_KALLSYMS: images withheld (length, no bytes, no address), image-unavailable naming CONFIG_KALLSYMS', () => {
    const out = stream('linux-6.1.176-built.no-kallsyms.jsonl');
    expect(out.errors).toEqual([]);
    expect(out.fingerprint).toMatchObject({ bpfJitEnable: '1', procKallsyms: false });
    for (const v of out.variants) {
      expect(v.jit?.mechanism).toBe('image-unavailable');
      expect(v.jit?.reason).toMatch(/CONFIG_KALLSYMS/);
      expect(v.jit?.images.every((i) => i.hex === '' && i.address === '0')).toBe(true);
    }
  });

  it('no CONFIG_RETPOLINE: a direct jump into the next program and a plain jmp *reg', () => {
    const out = stream('linux-6.1.176-built.no-retpoline.jsonl');
    expect(out.errors).toEqual([]);
    expect(out.fingerprint?.spectreV2).toMatch(/^Vulnerable/);
    expect(out.variants.map((v) => [v.variant, v.jit?.mechanism, v.jit?.note])).toEqual([
      ['direct', 'direct-jump', undefined],
      ['indirect', 'plain-indirect', undefined],
    ]);
  });
});

describe("the retpoline's own price on real streams of one kernel booted both ways", () => {
  it('is the thunk: 3 instructions per tail call more than the plain jmp, in instructions only', () => {
    const retpoline = cellFrom('linux-6.1.176-built.retpoline-generic.jsonl', 'built-6.1');
    const off = {
      ...cellFrom('linux-6.1.176-built.spectre-off.jsonl', 'built-6.1'),
      cellId: 'built-6.1__off',
      boot: { name: 'mitigations-off', cmdline: 'spectre_v2=off' },
    };
    const s = analyse([retpoline, off]);
    expect(s.retpolinePrices).toHaveLength(1);
    const p = s.retpolinePrices[0]!;
    expect(p).toMatchObject({
      figureKind: 'instructions',
      unit: 'instructions',
      retpoline: { mechanism: 'retpoline-thunk' },
      plain: { mechanism: 'plain-indirect', boot: 'mitigations-off' },
    });
    expect(p.price).toBeCloseTo(3, 1);
    expect(p.priceCi[1] - p.priceCi[0]).toBeLessThan(0.1);
  });
});

describe('analysis and reports of those cells', () => {
  const cells = [
    cellFrom('linux-6.1.176-built.no-jit.jsonl', 'built-no-jit'),
    cellFrom('linux-6.1.176-built.no-kallsyms.jsonl', 'built-no-kallsyms'),
  ];
  const s = analyse(cells);

  it('ok and measured, comparison withheld with the reason, warnings that say what is known', () => {
    const [noJit, noKallsyms] = [
      s.cells.find((c) => c.kernel.id === 'built-no-jit')!,
      s.cells.find((c) => c.kernel.id === 'built-no-kallsyms')!,
    ];
    expect(noJit.status).toBe('ok');
    expect(noJit.direct!.fit!.n).toBe(33);
    expect(noJit.comparison).toBeNull();
    expect(noJit.withheldReason).toBe('direct is not JITed (the interpreter ran it), not a proven direct jump');
    expect(noJit.warnings.some((w) => w.startsWith('direct: no JIT: net.core.bpf_jit_enable does not exist'))).toBe(true);
    // No bpf_jit_harden on a kernel without a JIT is not "hardening on".
    expect(noJit.warnings.join('\n')).not.toMatch(/bpf_jit_harden/);
    expect(noKallsyms.comparison).toBeNull();
    expect(noKallsyms.withheldReason).toBe('direct is unproven (the kernel withheld the JIT image), not a proven direct jump');
    expect(noKallsyms.direct!.mechanismReason).toMatch(/CONFIG_KALLSYMS/);
    expect(noKallsyms.warnings.some((w) => w.startsWith('direct: which jump ran is unproven'))).toBe(true);
  });

  it('no format shows a saving or says "not a direct jump" / "did not emit a direct jump" for them', async () => {
    const texts = { markdown: renderMarkdown(s), html: await renderHtml(s), junit: renderJunit(s), json: renderJson(s) };
    for (const [format, text] of Object.entries(texts)) {
      expect(text, format).not.toMatch(/did not emit a direct jump|not a direct jump/);
      for (const c of s.cells) {
        const reason = `withheld: ${c.withheldReason}`;
        if (format !== 'json') expect(text, format).toContain(format === 'markdown' ? reason : escapeXml(reason));
      }
    }
    expect(texts.junit).not.toMatch(/saving: -?\d/);
    expect(texts.markdown).toContain('⚠️ no JIT: the interpreter ran it');
    expect(texts.markdown).toContain('⚠️ jump unproven: JIT image unavailable');
    const json = JSON.parse(texts.json) as Summary;
    expect(json.cells.map((c) => [c.comparison, c.withheldReason])).toEqual(s.cells.map((c) => [null, c.withheldReason]));
  });
});

describe("the retpoline's own price", () => {
  const base = fixtureModels();
  const cellsOf = (models: typeof base) => analyse(models.map(generateCell)).cells;

  it('pairs boots by the mechanism seen, not by their names, and only within one kernel and kind', () => {
    // 6.1 under KVM, with the boot names swapped: the price still goes retpoline-thunk minus plain.
    const swapped = base
      .slice(2, 4)
      .map((m) => ({ ...m, boot: { ...m.boot, name: m.boot.name === 'retpoline' ? 'mitigations-off' : 'retpoline' } }));
    const prices = retpolinePrices(cellsOf(swapped));
    expect(prices).toHaveLength(1);
    expect(prices[0]).toMatchObject({
      retpoline: { boot: 'mitigations-off', mechanism: 'retpoline-thunk' },
      plain: { boot: 'retpoline', mechanism: 'plain-indirect' },
      figureKind: 'hardware-ns',
      unit: 'ns',
    });
    expect(prices[0]!.price).toBeCloseTo(17.8 - 4.1, 1);
    expect(prices[0]!.priceCi[0]).toBeLessThan(prices[0]!.price);
    // 5.10's retpoline boot and 6.1's plain boot: different kernels, no price.
    expect(retpolinePrices(cellsOf([base[0]!, base[3]!]))).toEqual([]);
  });

  it('leaves out failed cells and boots whose indirect jump is neither (a hardened direct variant is fine)', () => {
    // sid: the retpoline boot panicked; the plain boot alone makes no pair.
    expect(retpolinePrices(cellsOf(base.slice(6, 8)))).toEqual([]);
    const lfence = { ...base[2]!, indirect: { ...base[2]!.indirect, mechanism: 'lfence-jmp' as const } };
    expect(retpolinePrices(cellsOf([lfence, base[3]!]))).toEqual([]);
  });
});
