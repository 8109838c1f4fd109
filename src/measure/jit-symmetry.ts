// Proof that the direct and indirect chains differ only at the call site (docs/measurement.md,
// "Only the jump differs"): for every program i, the two variants' JIT images, with immediates and jump
// displacements masked (map and .data addresses, jump targets, the key mask), must be the same
// instructions outside the tail-call sequence. Only then is indirect − direct the jump and nothing else.
import { proveA64Symmetry } from './arm64-symmetry.js';
import type { JitDifference, JitEvidence, JitInsn, JitSequence, JitSite, JitSymmetry, Variant } from '../results/cell-result.js';
import { unchecked } from './symmetry-unchecked.js';
import { decodeImage, type X86Insn } from './x86-decode.js';
import { formatInsn } from './x86-format.js';

/** How many differing instructions a cell keeps and a reason names: enough to see the pattern. */
const MAX_DIFFERENCES = 24;
/** The sequences kept for the reports come from program 1: its next slot is filled, so its jump ran. */
const SHOWN_PROG = 1;

interface Image {
  prog: number;
  bytes: Uint8Array;
  base: bigint;
  insns: X86Insn[];
}

/** One program's image cut at its tail-call sequence. */
interface Cut {
  before: X86Insn[];
  sequence: X86Insn[];
  after: X86Insn[];
  /** Index in `sequence` of the instruction that ends the jump (a taken tail call runs up to it). */
  jumpEnd: number;
}

const hexOf = (bytes: Uint8Array, insn: X86Insn): string =>
  Buffer.from(bytes.subarray(insn.offset, insn.offset + insn.length)).toString('hex');

/** The instruction with its immediate / displacement bytes masked: what must match between the variants. */
function normalised(bytes: Uint8Array, insn: X86Insn): string {
  const keep = insn.length - (insn.immSize ?? 0);
  return `${Buffer.from(bytes.subarray(insn.offset, insn.offset + keep)).toString('hex')}#${insn.immSize ?? 0}`;
}

function text(img: Image, insn: X86Insn, site?: JitSite): string {
  const name = (target: number): string | undefined => {
    if (target >= 0 && target < img.bytes.length) return undefined;
    // The site's own jump lands where the classifier validated it: name that (the next program, a thunk).
    const siteEnd = site?.offset !== undefined && site.bytes ? site.offset + site.bytes.length / 2 : undefined;
    if (site?.target && insn.offset + insn.length === siteEnd) return site.target;
    return `0x${(img.base + BigInt(target)).toString(16)}`;
  };
  return formatInsn(img.bytes, insn, name);
}

function toInsn(img: Image, insn: X86Insn, site?: JitSite): JitInsn {
  return { offset: insn.offset, bytes: hexOf(img.bytes, insn), text: text(img, insn, site) };
}

/** Does this instruction write %rsi (BPF r2, the map argument) from an immediate or a register? */
function writesRsi(insn: X86Insn): boolean {
  const rexB = ((insn.rex ?? 0) & 1) !== 0;
  const rexR = ((insn.rex ?? 0) & 4) !== 0;
  if (insn.opcode === 0xbe) return !rexB; // mov/movabs $imm,%esi/%rsi
  if (insn.modrm === undefined || insn.modrm >> 6 !== 3) return false;
  if (insn.opcode === 0xc7) return (insn.modrm & 7) === 6 && !rexB; // mov $simm32,%rsi
  if (insn.opcode === 0x89) return (insn.modrm & 7) === 6 && !rexB; // mov %reg,%rsi
  if (insn.opcode === 0x8b) return ((insn.modrm >> 3) & 7) === 6 && !rexR;
  return false;
}

const isJcc = (insn: X86Insn): boolean => (insn.opcode >= 0x70 && insn.opcode <= 0x7f) || (insn.opcode >= 0x0f80 && insn.opcode <= 0x0f8f);

/**
 * The tail-call sequence: it starts after the map's load into %rsi (`r2 = jmp_table`, the last BPF
 * instruction before the call) and ends at `out`, where the sequence's first conditional jump past the
 * site lands (the bounds or counter check that skips the tail call). Every JIT from 5.10 to 7.2 emits it so.
 */
function cut(img: Image, site: JitSite): Cut | string {
  const siteAt = site.offset!;
  const siteEnd = siteAt + site.bytes!.length / 2;
  const jumpEnd = img.insns.findIndex((i) => i.offset + i.length === siteEnd);
  if (jumpEnd < 0) return `prog_${img.prog}: the tail-call site at +0x${siteAt.toString(16)} is not on an instruction boundary`;
  let start = -1;
  for (let k = jumpEnd; k >= 0; k--) {
    if (img.insns[k]!.offset < siteAt && writesRsi(img.insns[k]!)) {
      start = k + 1;
      break;
    }
  }
  if (start < 0) return `prog_${img.prog}: no load of the map argument (%rsi) before the tail-call site`;
  const guard = img.insns.slice(start, jumpEnd).find((i) => isJcc(i) && i.offset + i.length + (i.rel ?? 0) >= siteEnd);
  const outAt = guard ? guard.offset + guard.length + guard.rel! : siteEnd;
  const end = img.insns.findIndex((i) => i.offset === outAt);
  if (end < 0) return `prog_${img.prog}: the sequence's guard jumps to +0x${outAt.toString(16)}, not an instruction of the image`;
  return {
    before: img.insns.slice(0, start),
    sequence: img.insns.slice(start, end),
    after: img.insns.slice(end),
    jumpEnd: jumpEnd - start,
  };
}

/** Instructions of `a` and `b` outside their longest common subsequence (by normalised form). */
function unmatched(a: X86Insn[], aBytes: Uint8Array, b: X86Insn[], bBytes: Uint8Array): { a: X86Insn[]; b: X86Insn[] } {
  const ka = a.map((i) => normalised(aBytes, i));
  const kb = b.map((i) => normalised(bBytes, i));
  const n = ka.length;
  const m = kb.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = ka[i] === kb[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const onlyA: X86Insn[] = [];
  const onlyB: X86Insn[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (ka[i] === kb[j]) {
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) onlyA.push(a[i++]!);
    else onlyB.push(b[j++]!);
  }
  return { a: [...onlyA, ...a.slice(i)], b: [...onlyB, ...b.slice(j)] };
}

/** The readable images, decoded; `undecoded` names those the length decoder cannot walk to the end. */
function images(e: JitEvidence): { byProg: Map<number, Image>; undecoded: string[] } {
  const byProg = new Map<number, Image>();
  const undecoded: string[] = [];
  for (const img of e.images) {
    if (img.hex === '' || /^(00)+$/.test(img.hex) || !/^[0-9a-f]+$/i.test(img.address) || BigInt(`0x${img.address}`) === 0n) continue;
    const bytes = Uint8Array.from(Buffer.from(img.hex, 'hex'));
    const decoded = decodeImage(bytes);
    // An image that does not decode whole cannot be proven identical anywhere.
    if (decoded.stoppedAt !== undefined) undecoded.push(`prog_${img.prog} does not decode at +0x${decoded.stoppedAt.toString(16)}`);
    else byProg.set(img.prog, { prog: img.prog, bytes, base: BigInt(`0x${img.address}`), insns: decoded.insns });
  }
  return { byProg, undecoded };
}

/** The tail-call site the classifier found in a program: the jump (or the empty poke site). */
function siteOf(e: JitEvidence, prog: number, variant: Variant): JitSite | undefined {
  const wanted =
    variant === 'direct' ? ['direct-jump', 'nop'] : ['retpoline-thunk', 'its-thunk', 'lfence-jmp', 'plain-indirect', 'inline-retpoline'];
  // A direct program has two poke sites (bypass and target); the jump is the target, the later one.
  const sites = e.sites.filter((s) => s.prog === prog && wanted.includes(s.mechanism) && s.offset !== undefined && s.bytes);
  return variant === 'direct' ? sites.at(-1) : sites[0];
}

/** Compare the two variants' images program by program; see the file comment. */
export function proveSymmetry(direct: JitEvidence | undefined, indirect: JitEvidence | undefined): JitSymmetry {
  if (!direct || !indirect)
    return unchecked(`no JIT evidence for ${[direct ? null : 'direct', indirect ? null : 'indirect'].filter(Boolean).join(' and ')}`);
  // arm64 images: fixed-width words, their own proof.
  if (direct.mechanism === 'arm64-br' || indirect.mechanism === 'arm64-br') return proveA64Symmetry(direct, indirect);
  const { byProg: d, undecoded: dBad } = images(direct);
  const { byProg: x, undecoded: xBad } = images(indirect);
  if (dBad.length + xBad.length > 0)
    return unchecked([...dBad.map((m) => `direct ${m}`), ...xBad.map((m) => `indirect ${m}`)].slice(0, 4).join('; '));
  if (d.size === 0 || x.size === 0) return unchecked("no readable JIT image to compare (see the variants' JIT evidence)");
  const progs = [...d.keys()].filter((p) => x.has(p)).sort((a, b) => a - b);
  const missing = [...new Set([...d.keys(), ...x.keys()])].filter((p) => !progs.includes(p));
  if (missing.length > 0)
    return unchecked(`programs without a readable image in both variants: ${missing.map((p) => `prog_${p}`).join(', ')}`);

  const shownProg = progs.includes(SHOWN_PROG) ? SHOWN_PROG : progs[0]!;
  const differences: JitDifference[] = [];
  let programsDiffering = 0;
  const sequences: JitSequence[] = [];
  for (const prog of progs) {
    const pair: Array<[Variant, Image, JitEvidence]> = [
      ['direct', d.get(prog)!, direct],
      ['indirect', x.get(prog)!, indirect],
    ];
    const cuts: Cut[] = [];
    for (const [variant, img, e] of pair) {
      const site = siteOf(e, prog, variant);
      if (!site) return unchecked(`${variant} prog_${prog}: no tail-call site recognised in the image`, progs.length);
      const c = cut(img, site);
      if (typeof c === 'string') return unchecked(`${variant} ${c}`, progs.length);
      cuts.push(c);
      if (prog === shownProg) {
        sequences.push({
          variant,
          prog,
          mechanism: site.mechanism,
          insns: c.sequence.map((i) => toInsn(img, i, site)),
          executed: c.jumpEnd + 1,
        });
      }
    }
    const [dc, xc] = cuts as [Cut, Cut];
    const [dImg, xImg] = [d.get(prog)!, x.get(prog)!];
    const before = unmatched(dc.before, dImg.bytes, xc.before, xImg.bytes);
    const after = unmatched(dc.after, dImg.bytes, xc.after, xImg.bytes);
    const onlyDirect = [...before.a, ...after.a];
    const onlyIndirect = [...before.b, ...after.b];
    if (onlyDirect.length + onlyIndirect.length === 0) continue;
    programsDiffering++;
    for (const [variant, img, list] of [
      ['direct', dImg, onlyDirect],
      ['indirect', xImg, onlyIndirect],
    ] as const) {
      for (const insn of list) if (differences.length < MAX_DIFFERENCES) differences.push({ prog, variant, ...toInsn(img, insn) });
    }
  }
  return { verdict: programsDiffering === 0 ? 'identical' : 'differ', programs: progs.length, programsDiffering, differences, sequences };
}
