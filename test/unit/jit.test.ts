// The JIT classifier against real images dumped by the agent from real kernels under QEMU
// (test/fixtures/jit/README.md). Expectations come from the boot configuration of each capture.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jitRecord, thunksRecord } from '../../src/measure/agent-records.js';
import { classifyProgram, classifyVariantJit, type JitImage, type ThunkSymbol } from '../../src/measure/jit.js';
import { decodeImage } from '../../src/measure/x86-decode.js';
import type { JitMechanism } from '../../src/results/cell-result.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'jit');

interface Capture {
  images: Record<'direct' | 'indirect', JitImage[]>;
  thunks: ThunkSymbol[];
}

function load(file: string): Capture {
  const images: Capture['images'] = { direct: [], indirect: [] };
  let thunks: ThunkSymbol[] = [];
  for (const line of readFileSync(path.join(FIXTURES, file), 'utf8').split('\n')) {
    if (line.includes('"type":"jit"')) {
      const r = jitRecord.parse(JSON.parse(line));
      images[r.variant].push({ prog: r.prog, address: r.addr, length: r.len, hex: r.hex, symbol: r.symbol, nextFilled: r.next_filled });
    } else if (line.includes('"type":"thunks"')) {
      thunks = thunksRecord.parse(JSON.parse(line)).symbols.map((s) => ({ name: s.name, address: s.addr, size: s.size }));
    }
  }
  return { images, thunks };
}

const CASES: { file: string; indirect: JitMechanism; nop: string }[] = [
  { file: 'linux-5.10.223-cloud.retpoline-generic.jsonl', indirect: 'retpoline-thunk', nop: '6666666690' },
  { file: 'linux-5.10.223-cloud.retpoline-lfence.jsonl', indirect: 'lfence-jmp', nop: '6666666690' },
  { file: 'linux-5.10.223-cloud.spectre-off.jsonl', indirect: 'plain-indirect', nop: '6666666690' },
  { file: 'linux-6.1.176-cloud.retpoline-generic.jsonl', indirect: 'retpoline-thunk', nop: '0f1f440000' },
  { file: 'linux-6.12.117-cloud.retpoline-generic.jsonl', indirect: 'retpoline-thunk', nop: '0f1f440000' },
  { file: 'linux-7.2.13-cloud.retpoline-generic.jsonl', indirect: 'retpoline-thunk', nop: '0f1f440000' },
  { file: 'linux-7.2.13-cloud.spectre-off.jsonl', indirect: 'plain-indirect', nop: '0f1f440000' },
];

describe.each(CASES)('$file', ({ file, indirect, nop }) => {
  const capture = load(file);

  it('decodes every image end to end (no unknown instruction forms)', () => {
    for (const img of [...capture.images.direct, ...capture.images.indirect]) {
      expect(img.hex.length).toBeGreaterThan(0);
      expect(decodeImage(Buffer.from(img.hex, 'hex')).stoppedAt).toBeUndefined();
    }
  });

  it('direct: a jmp rel32 into program i+1 at every filled site, a 5-byte NOP at the empty one', () => {
    const ev = classifyVariantJit(capture.images.direct, capture.thunks);
    expect(ev.mechanism).toBe('direct-jump');
    expect(ev.note).toBeUndefined();
    const bySymbol = new Map(capture.images.direct.map((i) => [i.prog, i.symbol]));
    for (const img of capture.images.direct) {
      const sites = ev.sites.filter((s) => s.prog === img.prog);
      expect(sites).toHaveLength(1);
      const site = sites[0]!;
      if (img.nextFilled) {
        expect(site.mechanism).toBe('direct-jump');
        expect(site.bytes?.slice(0, 2)).toBe('e9');
        expect(site.target?.startsWith(`${bySymbol.get(img.prog + 1)}+0x`)).toBe(true);
      } else {
        expect(site).toMatchObject({ mechanism: 'nop', bytes: nop });
      }
    }
    // The patched jump and the NOP sit at the same place in otherwise identical programs.
    expect(new Set(ev.sites.map((s) => s.offset)).size).toBe(1);
    expect(ev.images).toHaveLength(34);
  });

  it(`indirect: ${indirect} at every program, never a direct jump`, () => {
    const ev = classifyVariantJit(capture.images.indirect, capture.thunks);
    expect(ev.mechanism).toBe(indirect);
    expect(ev.sites).toHaveLength(34);
    expect(ev.sites.every((s) => s.mechanism === indirect)).toBe(true);
    if (indirect === 'retpoline-thunk') expect(ev.sites.every((s) => s.target === '__x86_indirect_thunk_rcx')).toBe(true);
  });
});

describe('validation against false positives', () => {
  const c510 = load('linux-5.10.223-cloud.retpoline-generic.jsonl');

  it('a jump to an address that is no known thunk is not called a retpoline', () => {
    const ev = classifyVariantJit(c510.images.indirect, []);
    expect(ev.mechanism).toBe('unknown');
    expect(ev.sites).toHaveLength(0);
  });

  it('a jump to a program outside the chain is not called direct', () => {
    const entry = c510.images.direct.find((i) => i.prog === 0)!;
    expect(classifyProgram(entry, [entry], c510.thunks).map((s) => s.mechanism)).toEqual([]);
  });

  it('`ff e1` inside a movabs immediate is not an indirect jump (instruction boundaries are decoded)', () => {
    const entry = c510.images.direct.find((i) => i.prog === 0)!;
    const bytes = Buffer.from(entry.hex, 'hex');
    // 48 bf imm64 (movabs $map_value, %rdi): put ff e1 in the middle of the immediate.
    const movabs = bytes.indexOf(Buffer.from([0x48, 0xbf]));
    expect(movabs).toBeGreaterThan(0);
    bytes[movabs + 4] = 0xff;
    bytes[movabs + 5] = 0xe1;
    const patched = { ...entry, hex: bytes.toString('hex') };
    const sites = classifyProgram(patched, c510.images.direct, c510.thunks);
    expect(sites.map((s) => s.mechanism)).toEqual(['direct-jump']);
  });

  it('hidden addresses (kptr_restrict) give image-unavailable with the reason, not a guess', () => {
    const hidden = c510.images.direct.map((i) => ({ ...i, address: '0' }));
    const ev = classifyVariantJit(hidden, c510.thunks, { kptrRestrict: '2' });
    expect(ev.mechanism).toBe('image-unavailable');
    expect(ev.reason).toMatch(/kptr_restrict=2/);
    expect(ev.sites).toEqual([]);
  });

  it('a direct jump into a program other than the next one is not a direct jump, and says so', () => {
    // prog_3's patched jump retargeted (rel32 rewritten) from prog_4 to prog_7, as a wrong poke would.
    const images = c510.images.direct.map((i) => ({ ...i }));
    const p3 = images.find((i) => i.prog === 3)!;
    const site = classifyProgram(p3, images, c510.thunks)[0]!;
    expect(site.mechanism).toBe('direct-jump');
    const bytes = Buffer.from(p3.hex, 'hex');
    const end = BigInt(`0x${p3.address}`) + BigInt(site.offset! + 5);
    // Past prog_7's prologue, where a patched tail call lands (X86_TAIL_CALL_OFFSET, 11 bytes here).
    const target = BigInt(`0x${images.find((i) => i.prog === 7)!.address}`) + 11n;
    bytes.writeInt32LE(Number(target - end), site.offset! + 1);
    p3.hex = bytes.toString('hex');
    const ev = classifyVariantJit(images, c510.thunks);
    expect(classifyProgram(p3, images, c510.thunks)).toEqual([
      expect.objectContaining({ mechanism: 'unknown', note: 'prog_3 jumps into prog_7, not into the next program prog_4' }),
    ]);
    expect(ev.mechanism).toBe('direct-jump');
    expect(ev.note).toMatch(
      /programs disagree: direct-jump×32, unknown×1; 1 direct jump\(s\) miss the next program: prog_3 jumps into prog_7/,
    );
  });
});

describe('no image to read: no JIT, or the kernel withheld it', () => {
  const c61 = load('linux-6.1.176-cloud.retpoline-generic.jsonl');

  it('jited_prog_len 0 everywhere is no-jit; a missing bpf_jit_enable names the missing CONFIG_BPF_JIT', () => {
    // What the agent reports on an interpreter-only kernel: len 0, no bytes (the address stays).
    const interp = c61.images.indirect.map((i) => ({ ...i, length: 0, hex: '' }));
    const ev = classifyVariantJit(interp, c61.thunks, { bpfJitEnable: '' });
    expect(ev).toMatchObject({ mechanism: 'no-jit', sites: [] });
    expect(ev.reason).toMatch(/without CONFIG_BPF_JIT/);
    expect(ev.note).toBeUndefined();
    expect(classifyVariantJit(interp, c61.thunks, { bpfJitEnable: '0' }).reason).toMatch(/bpf_jit_enable=0/);
  });

  it('a length with no bytes, or zero bytes, is image-unavailable; no /proc/kallsyms names CONFIG_KALLSYMS', () => {
    // bpf_prog_get_info_by_fd() zeroes jited_prog_insns and jited_ksyms when bpf_dump_raw_ok() fails.
    const withheld = c61.images.direct.map((i) => ({ ...i, address: '0', hex: '' }));
    const ev = classifyVariantJit(withheld, [], { procKallsyms: false, kptrRestrict: '0' });
    expect(ev.mechanism).toBe('image-unavailable');
    expect(ev.reason).toMatch(/CONFIG_KALLSYMS/);
    const zeroed = c61.images.direct.map((i) => ({ ...i, hex: '00'.repeat(i.length) }));
    const z = classifyVariantJit(zeroed, c61.thunks, { procKallsyms: true, kptrRestrict: '1' });
    expect(z.mechanism).toBe('image-unavailable');
    expect(z.reason).toMatch(/withheld/);
  });

  it('some programs unreadable: the majority decides and the disagreement is a note', () => {
    const mixed = c61.images.direct.map((i) => (i.prog < 5 ? { ...i, hex: '' } : i));
    const ev = classifyVariantJit(mixed, c61.thunks);
    expect(ev.mechanism).toBe('direct-jump');
    expect(ev.note).toBe('programs disagree: direct-jump×28, image-unavailable×5');
  });
});

describe('ITS thunks', () => {
  it('a jump into __x86_indirect_its_thunk_* or its_* is its-thunk, not a retpoline', () => {
    // The 6.1 image's real thunk jump, with the thunk symbol renamed as an ITS kernel names it.
    const c = load('linux-6.1.176-cloud.retpoline-generic.jsonl');
    for (const name of ['__x86_indirect_its_thunk_rcx', 'its_static_thunk']) {
      const thunks = c.thunks.map((t) => (t.name === '__x86_indirect_thunk_rcx' ? { ...t, name } : t));
      const ev = classifyVariantJit(c.images.indirect, thunks);
      expect(ev.mechanism).toBe('its-thunk');
      expect(ev.sites.every((s) => s.mechanism === 'its-thunk' && s.target === name)).toBe(true);
    }
  });
});

describe('inline retpoline (kernels <= 5.15 before the 5.10.133 backport)', () => {
  it('is recognised where the JIT emitted it in place of the thunk jump', () => {
    // No pre-backport kernel is downloadable here (bullseye only ships the latest 5.10), so this
    // image is the real 5.10.223 one with its `jmp __x86_indirect_thunk_rcx` replaced by what
    // RETPOLINE_RCX_BPF_JUMP emitted at that very spot before the backport.
    const c = load('linux-5.10.223-cloud.retpoline-generic.jsonl');
    const img = c.images.indirect.find((i) => i.prog === 0)!;
    const thunkSite = classifyProgram(img, c.images.indirect, c.thunks)[0]!;
    const bytes = Buffer.from(img.hex, 'hex');
    const inline = Buffer.from('e807000000f390' + '0faee8ebf948890c24c3', 'hex');
    const rebuilt = Buffer.concat([bytes.subarray(0, thunkSite.offset!), inline, bytes.subarray(thunkSite.offset! + 5)]);
    const sites = classifyProgram({ ...img, hex: rebuilt.toString('hex') }, c.images.indirect, c.thunks);
    expect(sites).toEqual([expect.objectContaining({ mechanism: 'inline-retpoline', offset: thunkSite.offset })]);
  });
});
