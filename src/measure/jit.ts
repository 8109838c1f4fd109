// Proof of mechanism (docs/measurement.md): which jump the x86-64 JIT emitted at each program's tail-call
// site, read from the raw JITed bytes and kernel addresses the agent dumped. Every jump counts only
// when its target is validated (another program of the chain, a known thunk), so bytes that merely
// look like a jump never decide the verdict.
import type { JitEvidence, JitMechanism, JitSite } from '../results/cell-result.js';
import { decodeA64Image, findA64TailCalls } from './arm64-decode.js';
import { decodeImage, isJmpReg, isLfence, isNop, type X86Insn } from './x86-decode.js';

/** One program's JITed image as the agent reported it (bpf/PROTOCOL.md, `jit` record). */
export interface JitImage {
  prog: number;
  /** Kernel address of the image, hex without 0x ("0" when kptr_restrict hid it). */
  address: string;
  /** jited_prog_len: 0 when the program was never JITed (the interpreter runs it). */
  length: number;
  /** The image's bytes; "" (or zeros) when the kernel withheld them although `length` > 0. */
  hex: string;
  symbol?: string;
  /** Was slot prog+1 filled when the image was dumped? Decides direct-jump vs nop at a poke site. */
  nextFilled: boolean;
}

/** A kernel symbol a tail call may jump through (bpf/PROTOCOL.md, `thunks` record). */
export interface ThunkSymbol {
  name: string;
  address: string;
  /** Distance to the next kernel symbol, so an array symbol covers its members. */
  size: number;
}

/**
 * What the kernel said about the JIT, from the agent's fingerprint, to name why there is no image.
 * bpf_prog_get_info_by_fd() (kernel/bpf/syscall.c) copies jited_prog_insns and jited_ksyms only when
 * bpf_dump_raw_ok() holds, i.e. kallsyms_show_value(): false without CONFIG_KALLSYMS (up to 6.1 at
 * least), with kptr_restrict=2, or without CAP_SYSLOG; it then zeroes the user pointers and leaves
 * jited_prog_len set. bpf_jit_kallsyms does not enter into it (it only hides programs from kallsyms).
 */
interface JitContext {
  /** net.core.bpf_jit_enable read after the agent set it; "" = no such file (no CONFIG_BPF_JIT). */
  bpfJitEnable?: string;
  kptrRestrict?: string;
  /** Whether /proc/kallsyms exists (it does not without CONFIG_KALLSYMS); undefined: not reported. */
  procKallsyms?: boolean;
  /** The guest's `uname -m`: aarch64 images are read by the arm64 decoder, anything else by the x86-64 one. */
  machine?: string;
}

/** Whether a program's image can be read at all. */
type ImageState = 'no-jit' | 'image-unavailable' | 'readable';

/** The size of the poke site the JIT patches (X86_PATCH_SIZE): `jmp rel32` or a 5-byte NOP. */
const PATCH_SIZE = 5;
/** The inline retpoline of kernels <= 5.15 without the 5.10.133 backport: call +7; pause; lfence; jmp -7. */
const INLINE_RETPOLINE = [0xe8, 0x07, 0x00, 0x00, 0x00, 0xf3, 0x90, 0x0f, 0xae, 0xe8, 0xeb, 0xf9];
/** When a program shows several sites, the strongest evidence names it. */
const PRIORITY: JitMechanism[] = [
  'direct-jump',
  'arm64-br',
  'retpoline-thunk',
  'its-thunk',
  'inline-retpoline',
  'lfence-jmp',
  'plain-indirect',
  'nop',
];

interface Span {
  start: bigint;
  end: bigint;
  name: string;
  /** The chain program this span is (absent for thunks). */
  prog?: number;
}

/** Indirect Target Selection thunks (Intel ITS, 6.15+ and backports) are not retpolines. */
const isItsThunk = (name: string): boolean => name.startsWith('__x86_indirect_its_thunk_') || name.startsWith('its_');

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function hexOf(bytes: Uint8Array, from: number, length: number): string {
  return Buffer.from(bytes.subarray(from, from + length)).toString('hex');
}

function parseAddress(hex: string): bigint {
  return /^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`) : 0n;
}

/** Whether the kernel handed out the image's bytes: it zero-fills (or sends none) when it withholds them. */
const hasBytes = (hex: string): boolean => hex !== '' && !/^(00)+$/.test(hex);

/** Never JITed (length 0), withheld (no bytes, all-zero bytes or no address), or readable. */
export function imageState(img: Pick<JitImage, 'length' | 'hex' | 'address'>): ImageState {
  if (img.length === 0) return 'no-jit';
  if (!hasBytes(img.hex) || parseAddress(img.address) === 0n) return 'image-unavailable';
  return 'readable';
}

function inSpan(spans: Span[], target: bigint): { span: Span; delta: bigint } | undefined {
  for (const span of spans) if (target >= span.start && target < span.end) return { span, delta: target - span.start };
  return undefined;
}

function symbolAt(hit: { span: Span; delta: bigint }): string {
  return hit.delta === 0n ? hit.span.name : `${hit.span.name}+0x${hit.delta.toString(16)}`;
}

function matchesAt(bytes: Uint8Array, at: number, pattern: number[]): boolean {
  return pattern.every((b, i) => bytes[at + i] === b);
}

/** NOP instructions ending exactly at `end` that together take 5 bytes: the empty poke site. */
function nopRunBefore(insns: X86Insn[], end: number): number | undefined {
  const idx = insns.findIndex((i) => i.offset + i.length === end);
  let total = 0;
  for (let k = idx; k >= 0 && total < PATCH_SIZE; k--) {
    const insn = insns[k]!;
    if (!isNop(insn)) return undefined;
    total += insn.length;
  }
  return idx >= 0 && total === PATCH_SIZE ? end - PATCH_SIZE : undefined;
}

/** Pseudo-instructions for the undecodable tail: only validated rel32 jumps/calls are read there. */
function rawRel32Candidates(bytes: Uint8Array, from: number): X86Insn[] {
  const out: X86Insn[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = from; at + PATCH_SIZE <= bytes.length; at++) {
    const op = bytes[at];
    if (op === 0xe8 || op === 0xe9) out.push({ offset: at, length: 5, opcode: op, rel: view.getInt32(at + 1, true), prefixes: [] });
  }
  return out;
}

/**
 * The arm64 JIT's tail-call sites of one image (src/measure/arm64-decode.ts): one `arm64-br` site spanning
 * the sequence from the bounds check to `br`, whichever variant it is, since that JIT has no other.
 */
function classifyArm64Program(image: JitImage): JitSite[] {
  if (imageState(image) !== 'readable') return [];
  const bytes = hexBytes(image.hex);
  return findA64TailCalls(decodeA64Image(bytes)).map((t) => ({
    prog: image.prog,
    mechanism: 'arm64-br' as const,
    offset: t.start,
    bytes: hexOf(bytes, t.start, t.end - t.start),
    note: `bounds check b.hs +0x${t.boundsCheck.toString(16)}, counter ${t.counterInMemory ? 'behind a pointer' : 'in a register'} (check +0x${t.counterCheck.toString(16)}, increment +0x${t.counterIncrement.toString(16)}), load and cbz +0x${t.nullCheck.toString(16)}, br x${t.register} +0x${t.jump.toString(16)}`,
  }));
}

/** Every tail-call-relevant site in one program's image. */
export function classifyProgram(image: JitImage, chain: JitImage[], thunks: ThunkSymbol[]): JitSite[] {
  if (imageState(image) !== 'readable') return [];
  const bytes = hexBytes(image.hex);
  const base = parseAddress(image.address);
  const programs: Span[] = chain
    .filter((p) => p.prog !== image.prog)
    .map((p) => {
      const start = parseAddress(p.address);
      return { start, end: start + BigInt(p.hex.length / 2), name: p.symbol || `prog_${p.prog}`, prog: p.prog };
    })
    .filter((s) => s.start !== 0n);
  // Return thunks (__x86_return_thunk, its_return_thunk) end every program: not a tail call.
  const thunkSpans: Span[] = thunks
    .filter((t) => !t.name.includes('return'))
    .map((t) => {
      const start = parseAddress(t.address);
      return { start, end: start + BigInt(Math.max(t.size, 1)), name: t.name };
    });

  const decoded = decodeImage(bytes);
  const insns = decoded.stoppedAt === undefined ? decoded.insns : [...decoded.insns, ...rawRel32Candidates(bytes, decoded.stoppedAt)];
  const sites: JitSite[] = [];
  const site = (mechanism: JitMechanism, offset: number, length: number, target?: string, note?: string) =>
    sites.push({
      prog: image.prog,
      mechanism,
      offset,
      bytes: hexOf(bytes, offset, length),
      ...(target ? { target } : {}),
      ...(note ? { note } : {}),
    });

  insns.forEach((insn, k) => {
    if ((insn.opcode === 0xe8 || insn.opcode === 0xe9) && insn.rel !== undefined && insn.length === PATCH_SIZE) {
      classifyRel32(insn, insn.rel);
    } else if (isJmpReg(insn)) {
      const prev = insns[k - 1];
      if (prev && isLfence(prev) && prev.offset + prev.length === insn.offset) site('lfence-jmp', prev.offset, prev.length + insn.length);
      else site('plain-indirect', insn.offset, insn.length);
    }
  });

  function classifyRel32(insn: X86Insn, rel: number): void {
    const end = insn.offset + insn.length;
    if (insn.opcode === 0xe8 && matchesAt(bytes, insn.offset, INLINE_RETPOLINE)) {
      site('inline-retpoline', insn.offset, INLINE_RETPOLINE.length);
      return;
    }
    const target = base + BigInt(end + rel);
    const intoProgram = inSpan(programs, target);
    const intoThunk = inSpan(thunkSpans, target);
    if (intoProgram && insn.opcode === 0xe9) {
      // A tail call of program i lands in program i+1: a jump anywhere else is not the chain's jump.
      const next = intoProgram.span.prog === image.prog + 1;
      const note = next
        ? undefined
        : `prog_${image.prog} jumps into prog_${intoProgram.span.prog}, not into the next program prog_${image.prog + 1}`;
      site(next ? 'direct-jump' : 'unknown', insn.offset, insn.length, symbolAt(intoProgram), note);
    } else if (intoThunk) {
      site(isItsThunk(intoThunk.span.name) ? 'its-thunk' : 'retpoline-thunk', insn.offset, insn.length, symbolAt(intoThunk));
    } else if (insn.opcode === 0xe9 && rel > 0 && end + rel <= bytes.length && decoded.stoppedAt === undefined) {
      // An unpatched poke site: the bypass jmp skips exactly over a 5-byte NOP.
      const nopAt = nopRunBefore(insns, end + rel);
      if (nopAt !== undefined) site('nop', nopAt, PATCH_SIZE);
    }
  }
  return sites;
}

function primary(sites: JitSite[]): JitMechanism {
  for (const m of PRIORITY) if (sites.some((s) => s.mechanism === m)) return m;
  return 'unknown';
}

function noJitReason(ctx: JitContext): string {
  if (ctx.bpfJitEnable === '')
    return 'net.core.bpf_jit_enable does not exist (a kernel without CONFIG_BPF_JIT): the interpreter ran every program';
  if (ctx.bpfJitEnable?.trim() === '0') return 'net.core.bpf_jit_enable=0: the interpreter ran every program';
  return 'jited_prog_len is 0: the kernel did not JIT the programs, the interpreter ran them';
}

function unavailableReason(ctx: JitContext, images: readonly JitImage[]): string {
  if (ctx.procKallsyms === false)
    return 'no /proc/kallsyms (a kernel without CONFIG_KALLSYMS): bpf_dump_raw_ok() is false, the kernel hands out no JIT image or address';
  if (ctx.kptrRestrict?.trim() === '2') return 'kernel.kptr_restrict=2: the kernel hides JIT images and addresses even from root';
  const withBytes = images.filter((i) => hasBytes(i.hex));
  if (withBytes.length > 0 && withBytes.every((i) => parseAddress(i.address) === 0n))
    return 'the kernel zeroed the image addresses (jited_ksyms): no jump target can be checked';
  return 'the kernel withheld the JIT images (bpf_dump_raw_ok(): kptr_restrict, or no CAP_SYSLOG)';
}

/** One program's verdict: its image state when unreadable, else its strongest site. */
function programMechanism(img: JitImage, sites: readonly JitSite[]): JitMechanism {
  const state = imageState(img);
  return state === 'readable' ? primary(sites.filter((s) => s.prog === img.prog)) : state;
}

/**
 * The variant's mechanism is the one seen at programs whose next slot was filled (the jumps that
 * actually ran during the sweep); a note says when they disagree or evidence is missing, and a reason
 * says why there is no image to read (no-jit, image-unavailable).
 */
export function classifyVariantJit(images: JitImage[], thunks: ThunkSymbol[], ctx: JitContext = {}): JitEvidence {
  const sorted = [...images].sort((a, b) => a.prog - b.prog);
  const sites = sorted.flatMap((img) => (ctx.machine === 'aarch64' ? classifyArm64Program(img) : classifyProgram(img, sorted, thunks)));
  const evidenceImages = sorted.map((img) => ({
    prog: img.prog,
    address: img.address,
    hex: img.hex,
    ...(img.symbol ? { symbol: img.symbol } : {}),
  }));
  const notes: string[] = [];
  if (sorted.length === 0) return { mechanism: 'unknown', sites, images: evidenceImages, note: 'no JIT images reported' };

  const counts = new Map<JitMechanism, number>();
  for (const img of sorted.filter((i) => i.nextFilled)) {
    const m = programMechanism(img, sites);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const mechanism = ranked[0]?.[0] ?? 'unknown';
  if (ranked.length > 1) notes.push(`programs disagree: ${ranked.map(([m, n]) => `${m}×${n}`).join(', ')}`);
  if (ranked.length === 0) notes.push('no program had its next slot filled');
  // An arm64 site's note describes its sequence; only x86's notes say a jump went astray.
  const misdirected = sites.filter((s) => s.note !== undefined && s.mechanism !== 'arm64-br').map((s) => s.note!);
  if (misdirected.length > 0)
    notes.push(
      `${misdirected.length} direct jump(s) miss the next program: ${misdirected.slice(0, 3).join('; ')}${misdirected.length > 3 ? '; …' : ''}`,
    );
  const reason = mechanism === 'no-jit' ? noJitReason(ctx) : mechanism === 'image-unavailable' ? unavailableReason(ctx, sorted) : undefined;
  return { mechanism, sites, images: evidenceImages, ...(reason ? { reason } : {}), ...(notes.length ? { note: notes.join('; ') } : {}) };
}
