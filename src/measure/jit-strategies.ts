// Proof of each strategy's transfer (docs/measurement.md, "Benchmark 3: strategies"), from the JIT images the agent
// dumped for the strategies benchmark (bpf/PROTOCOL.md, "Benchmark 3"): which instruction carries a
// level to the next one, validated by its target (the next function of the same image, the next program,
// a thunk), and that every level runs the same body (chain_body.bpf.h) instruction for instruction, so two
// strategies differ only in the transfer and the frame around it.
//
// A program with subprograms is several functions, each at its own kernel address; the agent's `funcs`
// gives them, and a `call rel32` is resolved against them (`call` into a subprogram, the loop's call into
// its callback). Tail-call sites are classified by the classifier of Benchmark 1 (jit.ts), run on the
// function that holds them.
import { classifyProgram, imageState, type JitImage, type ThunkSymbol } from './jit.js';
import { decodeImage, type X86Insn } from './x86-decode.js';
import { formatInsn } from './x86-format.js';

/** One `jit` record of the strategies benchmark. */
export interface StrategyImage {
  prog: number;
  name: string;
  /** Kernel address of the first function, hex without 0x. */
  address: string;
  hex: string;
  /** Each function's address and length, in image order; absent for a one-function image. */
  funcs?: Array<{ address: string; length: number }>;
  /** Tail-call chains: whether slot prog+1 was filled when the image was dumped. */
  nextFilled?: boolean;
}

type TransferKind =
  | 'subprog-call' // e8 rel32 to the start of another function of the same image (a bpf-to-bpf call)
  | 'loop-call' // e8 rel32 to the callback, inside a loop (bpf_loop inlined by the verifier, 6.0+)
  | 'helper-call' // e8 rel32 out of the image that is not a thunk (bpf_loop as a helper, 5.17-5.19)
  | 'direct-jump' // e9 rel32 patched into the next program (a tail call with a constant key)
  | 'retpoline-thunk'
  | 'its-thunk'
  | 'inline-retpoline'
  | 'lfence-jmp'
  | 'plain-indirect'
  | 'arm64-br'; // the arm64 JIT's tail call, whatever the key (jit.ts classifies the same sites on either architecture)

interface Transfer {
  kind: TransferKind;
  /** `prog_3`, or `prog_3/f1` for the second function of prog_3's image. */
  func: string;
  offset: number;
  bytes: string;
  target?: string;
}

interface StrategyProof {
  /** The transfers every level makes, in the order they run (`subprog-call+direct-jump` …); `unproven` when none. */
  mechanism: string;
  transfers: Transfer[];
  /** Functions whose body (chain_body.bpf.h) was found and matched the reference body. */
  bodies: number;
  /** Functions without the body, or whose body differs from the reference: what they show. */
  bodyDifferences: string[];
  /** One level as the JIT wrote it (the function that carries a transfer), for the reports. */
  level: string[];
  note?: string;
}

interface Func {
  name: string;
  prog: number;
  index: number;
  base: bigint;
  bytes: Uint8Array;
  insns: X86Insn[];
}

const parseAddress = (hex: string): bigint => (/^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`) : 0n);
const hexOf = (bytes: Uint8Array, insn: X86Insn): string =>
  Buffer.from(bytes.subarray(insn.offset, insn.offset + insn.length)).toString('hex');

/** The functions of one image, each with its own address (the image is their bytes end to end). */
export function functionsOf(img: StrategyImage): Func[] | string {
  const all = Uint8Array.from(Buffer.from(img.hex, 'hex'));
  const parts = img.funcs ?? [{ address: img.address, length: all.length }];
  const total = parts.reduce((n, f) => n + f.length, 0);
  if (total !== all.length) return `${img.name}: funcs add up to ${total} bytes, the image has ${all.length}`;
  const out: Func[] = [];
  let at = 0;
  for (const [index, f] of parts.entries()) {
    const bytes = all.subarray(at, at + f.length);
    at += f.length;
    const decoded = decodeImage(bytes);
    const name = index === 0 ? img.name : `${img.name}/f${index}`;
    if (decoded.stoppedAt !== undefined) return `${name} does not decode at +0x${decoded.stoppedAt.toString(16)}`;
    out.push({ name, prog: img.prog, index, base: parseAddress(f.address), bytes, insns: decoded.insns });
  }
  return out;
}

/** The body (chain_body.bpf.h): six instructions from `movabs $key_offset,%rbx` to `movabs $jmp_table,%rsi`. */
function bodyOf(f: Func): X86Insn[] | undefined {
  const start = f.insns.findIndex((i) => i.rex === 0x48 && i.opcode === 0xbb);
  if (start < 0) return undefined;
  const body = f.insns.slice(start, start + 6);
  const last = body[5];
  return last && last.rex === 0x48 && last.opcode === 0xbe ? body : undefined;
}

/** An instruction with its immediates masked: the key mask, slot and addresses differ between levels. */
function normalised(f: Func, insn: X86Insn): string {
  const keep = insn.length - (insn.immSize ?? 0);
  return `${Buffer.from(f.bytes.subarray(insn.offset, insn.offset + keep)).toString('hex')}#${insn.immSize ?? 0}`;
}

/** The body every chain of the cell shares, as the tail-call chain (Benchmark 1's prog_1) shows it. */
export function referenceBody(images: StrategyImage[]): string[] | undefined {
  for (const img of images) {
    const fs = functionsOf(img);
    if (typeof fs === 'string') continue;
    for (const f of fs) {
      const body = bodyOf(f);
      if (body) return body.map((i) => normalised(f, i));
    }
  }
  return undefined;
}

function text(f: Func, insn: X86Insn, names: Map<bigint, string>): string {
  return formatInsn(f.bytes, insn, (target) => {
    if (target >= 0 && target < f.bytes.length) return undefined;
    const abs = f.base + BigInt(target);
    return names.get(abs) ?? `0x${abs.toString(16)}`;
  });
}

/** Every function's transfers: calls resolved against the functions, tail-call sites by jit.ts. */
function transfersOf(funcs: Func[], all: Func[], images: StrategyImage[], thunks: ThunkSymbol[]): Transfer[] {
  const starts = new Map(all.map((f) => [f.base, f]));
  const out: Transfer[] = [];
  // The tail-call classifier sees each function as a program; the chain is every program's entry function.
  const entries: JitImage[] = all.filter((g) => g.index === 0).map((g) => asJitImage(g, images));
  for (const f of funcs) {
    const backward = f.insns.some((i) => i.rel !== undefined && i.rel < 0 && i.opcode !== 0xe8);
    for (const insn of f.insns) {
      if (insn.opcode !== 0xe8 || insn.length !== 5 || insn.rel === undefined) continue;
      const target = f.base + BigInt(insn.offset + insn.length + insn.rel);
      const callee = starts.get(target);
      const inThunk = thunks.some(
        (t) => target >= parseAddress(t.address) && target < parseAddress(t.address) + BigInt(Math.max(t.size, 1)),
      );
      if (callee && callee.prog === f.prog) {
        out.push({
          kind: backward ? 'loop-call' : 'subprog-call',
          func: f.name,
          offset: insn.offset,
          bytes: hexOf(f.bytes, insn),
          target: callee.name,
        });
      } else if (!callee && !inThunk && !isInline(f, insn)) {
        out.push({
          kind: 'helper-call',
          func: f.name,
          offset: insn.offset,
          bytes: hexOf(f.bytes, insn),
          target: `0x${target.toString(16)}`,
        });
      }
    }
    for (const site of classifyProgram(asJitImage(f, images), entries, thunks)) {
      if (site.mechanism === 'nop' || site.mechanism === 'unknown' || site.mechanism === 'no-jit' || site.mechanism === 'image-unavailable')
        continue;
      out.push({
        kind: site.mechanism,
        func: f.name,
        offset: site.offset ?? 0,
        bytes: site.bytes ?? '',
        ...(site.target ? { target: site.target } : {}),
      });
    }
  }
  return out;
}

/** The inline retpoline's `call +7` is the thunk itself, not a call out. */
const isInline = (f: Func, insn: X86Insn): boolean =>
  insn.rel === 7 && f.bytes[insn.offset + 5] === 0xf3 && f.bytes[insn.offset + 6] === 0x90;

function asJitImage(f: Func, images: StrategyImage[]): JitImage {
  const img = images.find((i) => i.prog === f.prog);
  return {
    prog: f.prog,
    address: f.base.toString(16),
    length: f.bytes.length,
    hex: Buffer.from(f.bytes).toString('hex'),
    nextFilled: img?.nextFilled ?? false,
    ...(f.index === 0 ? { symbol: f.name } : {}),
  };
}

/**
 * The proof for one strategy: its transfers (the deepest program's, whose every level ran in the sweep),
 * and every function's body against the reference body (Benchmark 1's chain, the same cell).
 */
export function proveStrategy(images: StrategyImage[], thunks: ThunkSymbol[], reference: string[] | undefined): StrategyProof {
  const unproven = (note: string): StrategyProof => ({
    mechanism: 'unproven',
    transfers: [],
    bodies: 0,
    bodyDifferences: [],
    level: [],
    note,
  });
  if (images.length === 0) return unproven('no JIT images reported');
  const unreadable = images.filter((i) => imageState({ length: i.hex.length / 2, hex: i.hex, address: i.address }) !== 'readable');
  if (unreadable.length > 0) return unproven(`${unreadable.length} image(s) withheld or not JITed (${unreadable[0]!.name} …)`);
  const all: Func[] = [];
  for (const img of images) {
    const fs = functionsOf(img);
    if (typeof fs === 'string') return unproven(fs);
    all.push(...fs);
  }
  // A tail-call chain's jumps run only where the next slot was filled; a call chain's deepest program holds every call.
  const deepest = images.some((i) => i.nextFilled !== undefined)
    ? all.filter((f) => images.find((i) => i.prog === f.prog)?.nextFilled)
    : all.filter((f) => f.prog === Math.max(...images.map((i) => i.prog)));
  const transfers = transfersOf(deepest, all, images, thunks);
  const names = new Map(all.map((f) => [f.base, f.name]));

  let bodies = 0;
  const bodyDifferences: string[] = [];
  for (const f of all) {
    const body = bodyOf(f);
    if (!body) {
      // An entry that only calls its subprogram (tail calls from a subprogram) carries no body: say what it is.
      if (!f.insns.some((i) => i.opcode === 0xe8)) bodyDifferences.push(`${f.name}: no body (movabs %rbx … movabs %rsi)`);
      continue;
    }
    const got = body.map((i) => normalised(f, i));
    if (reference && got.join(' ') !== reference.join(' ')) {
      bodyDifferences.push(`${f.name}: ${body.map((i) => text(f, i, names)).join('; ')}`);
    } else bodies++;
  }
  const kinds: string[] = [];
  for (const t of transfers) if (!kinds.includes(t.kind)) kinds.push(t.kind);
  const carrier =
    deepest.find((f) => transfers.some((t) => t.func === f.name && t.kind !== 'subprog-call' && t.kind !== 'loop-call')) ??
    deepest.find((f) => transfers.some((t) => t.func === f.name));
  return {
    mechanism: kinds.length ? kinds.join('+') : 'unproven',
    transfers,
    bodies,
    bodyDifferences,
    level: carrier ? carrier.insns.map((i) => text(carrier, i, names)) : [],
    ...(kinds.length ? {} : { note: 'no transfer recognised in the images' }),
  };
}
