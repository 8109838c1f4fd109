// The hermetic initramfs of the qemu backend (recipe: images/README.md): busybox, /init, the agent and
// its BPF objects, and the kernel modules a benchmark needs. Built once per (kernel modules, payload,
// module list, recipe) and cached under <cache>/initramfs/<key>.cpio.gz; the per-cell settings go in a
// tiny second archive appended to a copy (the kernel unpacks concatenated archives in order), so a
// new benchmark parameter never rebuilds the big one.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { archProfile, hostArch } from '../arch/index.js';
import type { FetchedKernel } from '../kernels/types.js';
import type { GuestPayload } from './payload.js';
import { execCommand } from '../util/exec.js';
import { writeFileAtomic } from '../util/fs.js';
import { cacheRoot, PACKAGE_ROOT } from '../util/paths.js';
import { err, ok, type Result } from '../util/result.js';
import { withParents, writeNewc, type CpioEntry } from './cpio.js';
import { collectModules } from './modules.js';
import { collectProgram, type ProgramFile } from './programs.js';
import { sha256File } from '../util/sha256-file.js';

/** Bump when the layout of the image changes, so stale cached images are not reused. */
const RECIPE_VERSION = 1;
/** busybox-static's binary on Debian and Ubuntu (the host's architecture, amd64). */
export const DEFAULT_BUSYBOX = archProfile('amd64').busybox;
const INIT_SCRIPT = path.join(PACKAGE_ROOT, 'images', 'init');
/** `busybox --list` is instant; a bound only so a broken binary cannot stall a run. */
const BUSYBOX_LIST_TIMEOUT_MS = 10_000;
/** /dev/console (major 5, minor 1) must exist before devtmpfs is mounted, or init starts with no stdout. */
const CONSOLE_MAJOR = 5;
const CONSOLE_MINOR = 1;

interface InitramfsSpec {
  kernel: FetchedKernel;
  /** The measurement agent and BPF objects; absent for the accelerator probe image. */
  payload?: GuestPayload;
  /** Kernel modules to load at boot, by name (dependencies are added). */
  modules: readonly string[];
  /** Host programs the benchmark runs (absolute paths, e.g. /usr/bin/iperf3), with their shared libraries. */
  programs?: readonly string[];
}

interface InitramfsDeps {
  /** The host's busybox (amd64 kernels); another architecture's comes from its profile. */
  busybox?: string;
  cacheDir?: string;
  signal?: AbortSignal;
}

interface BuiltInitramfs {
  path: string;
  key: string;
  /** Module files in load order, as /init loads them. */
  modules: string[];
}

/** The busybox for a kernel of `arch`: the one given (tests, the host's) for amd64, the profile's for another. */
function busyboxFor(arch: FetchedKernel['arch'], given: string | undefined): string {
  return arch === 'amd64' ? (given ?? DEFAULT_BUSYBOX) : archProfile(arch).busybox;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A dynamically linked busybox has a PT_INTERP program header and would not run in our image. */
export function isStaticElf(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const PT_INTERP = 3;
  if (bytes.length < 64 || view.getUint32(0) !== 0x7f454c46) return false;
  const phoff = Number(view.getBigUint64(32, true));
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    if (view.getUint32(phoff + i * phentsize, true) === PT_INTERP) return false;
  }
  return true;
}

/**
 * The busybox binary and its applet links. A busybox of another architecture than the host's cannot run
 * here to list its applets: the image gets the binary and /bin/sh alone, and images/init links the rest
 * in the guest (`busybox --install -s`).
 */
async function busyboxEntries(
  file: string,
  foreign: boolean,
  signal?: AbortSignal,
): Promise<Result<{ entries: CpioEntry[]; hash: string }, string>> {
  const install = foreign ? 'run scripts/setup.sh (it extracts the arm64 busybox-static there)' : 'install busybox-static';
  if (!existsSync(file)) return err(`${file} not found: ${install}`);
  const bytes = new Uint8Array(await readFile(file));
  if (!isStaticElf(bytes)) return err(`${file} is dynamically linked: ${install}`);
  if (foreign) {
    return ok({
      entries: [
        { type: 'file', path: 'bin/busybox', data: bytes, mode: 0o755 },
        { type: 'symlink', path: 'bin/sh', target: 'busybox' },
      ],
      hash: sha256(bytes),
    });
  }
  const list = await execCommand(file, ['--list'], { signal, timeoutMs: BUSYBOX_LIST_TIMEOUT_MS });
  if (!list.ok) return err(`busybox --list: ${list.error.message}`);
  const applets = list.value.stdout
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
  const entries: CpioEntry[] = [{ type: 'file', path: 'bin/busybox', data: bytes, mode: 0o755 }];
  for (const a of applets.sort()) entries.push({ type: 'symlink', path: `bin/${a}`, target: 'busybox' });
  return ok({ entries, hash: sha256(bytes) });
}

async function payloadEntries(payload: GuestPayload): Promise<CpioEntry[]> {
  const entries: CpioEntry[] = [
    { type: 'file', path: 'tailmatrix/agent', data: new Uint8Array(await readFile(payload.agent)), mode: 0o755 },
  ];
  const objects = (await readdir(payload.objDir)).filter((f) => f.endsWith('.o')).sort();
  for (const o of objects)
    entries.push({ type: 'file', path: `tailmatrix/bpf/${o}`, data: new Uint8Array(await readFile(path.join(payload.objDir, o))) });
  return entries;
}

/** Every program's files, each path once (programs that share a library list it once in the image). */
async function programFiles(programs: readonly string[], signal?: AbortSignal): Promise<Result<ProgramFile[], string>> {
  const files = new Map<string, ProgramFile>();
  for (const p of [...programs].sort()) {
    const got = await collectProgram(p, { signal });
    if (!got.ok) return got;
    for (const f of got.value) files.set(f.path, f);
  }
  return ok([...files.values()].sort((a, b) => a.path.localeCompare(b.path)));
}

/** True when the image hashes as recorded at its build (an image from before the record is built again). */
async function intact(image: string, sumFile: string): Promise<boolean> {
  const recorded = await readFile(sumFile, 'utf8').then(
    (t) => t.trim(),
    () => null,
  );
  return recorded !== null && recorded === (await sha256File(image));
}

/** The cached image for these inputs, built when missing or no longer as built. */
export async function ensureInitramfs(spec: InitramfsSpec, deps: InitramfsDeps = {}): Promise<Result<BuiltInitramfs, string>> {
  const profile = archProfile(spec.kernel.arch);
  const foreign = spec.kernel.arch !== (hostArch() ?? 'amd64');
  const bb = await busyboxEntries(busyboxFor(spec.kernel.arch, deps.busybox), foreign, deps.signal);
  if (!bb.ok) return bb;
  const progs = await programFiles(spec.programs ?? [], deps.signal);
  if (!progs.ok) return progs;
  const init = await readFile(INIT_SCRIPT);
  // The agent's port may need its driver loaded first (arm64's virtio console), and only with an agent.
  const modules = [...new Set([...spec.modules, ...(spec.payload !== undefined ? profile.agentPort.modules : [])])].sort();
  const key = sha256(
    JSON.stringify({
      recipe: RECIPE_VERSION,
      init: sha256(init),
      busybox: bb.value.hash,
      payload: spec.payload?.hash ?? null,
      // Modules come from the kernel: only then does the image depend on which kernel it is for.
      kernel: modules.length > 0 ? spec.kernel.sha256 : null,
      modules,
      // Only when there are any, so the keys of images without programs stay what they were.
      ...(progs.value.length > 0 ? { programs: progs.value.map((f) => [f.path, sha256(f.data)]) } : {}),
    }),
  );
  const target = path.join(deps.cacheDir ?? cacheRoot(), 'initramfs', `${key}.cpio.gz`);
  const listFile = `${target}.modules`;
  // The image's own SHA256, written when it was built: a cached image holds the agent that runs as root in
  // the guest, so one that no longer hashes as built is built again, never booted.
  const sumFile = `${target}.sha256`;
  if (existsSync(target) && existsSync(listFile) && (await intact(target, sumFile))) {
    const list = (await readFile(listFile, 'utf8')).split('\n').filter((l) => l !== '');
    return ok({ path: target, key, modules: list });
  }

  const mods = await collectModules(spec.kernel.modulesDir, modules, { signal: deps.signal });
  if (!mods.ok) return mods;
  const modList = mods.value.map((m) => m.file);
  const entries: CpioEntry[] = [
    { type: 'dir', path: 'dev' },
    { type: 'chardev', path: 'dev/console', major: CONSOLE_MAJOR, minor: CONSOLE_MINOR },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'run' },
    { type: 'dir', path: 'tailmatrix' },
    { type: 'dir', path: 'lib/modules' },
    { type: 'file', path: 'init', data: new Uint8Array(init), mode: 0o755 },
    ...bb.value.entries,
    ...(spec.payload ? await payloadEntries(spec.payload) : []),
    ...mods.value.map((m): CpioEntry => ({ type: 'file', path: `lib/modules/${m.file}`, data: m.data })),
    ...progs.value.map((f): CpioEntry => ({ type: 'file', path: f.path, data: f.data, mode: f.mode })),
  ];
  if (modList.length > 0)
    entries.push({ type: 'file', path: 'tailmatrix/modules.list', data: new TextEncoder().encode(`${modList.join('\n')}\n`) });
  const image = gzipSync(writeNewc(withParents(entries)));
  await writeFileAtomic(target, image);
  await writeFileAtomic(listFile, modList.map((m) => `${m}\n`).join(''));
  await writeFileAtomic(sumFile, `${sha256(image)}\n`);
  return ok({ path: target, key, modules: modList });
}

/** Shell single-quoting for cell.env, which /init sources. */
function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The settings /init reads: TM_MODE (agent | probe | hang), TM_AGENT_ARGS and TM_AGENT_PORT. */
interface CellEnv {
  mode: 'agent' | 'probe' | 'hang';
  agentArgs?: readonly string[];
  /** The guest device the agent writes to; /init's default (/dev/ttyS1) when absent. */
  agentPort?: string;
}

export function cellEnvText(env: CellEnv): string {
  for (const a of env.agentArgs ?? []) {
    if (/\s/.test(a) || a === '') throw new Error(`agent argument with whitespace cannot pass through /init: ${JSON.stringify(a)}`);
  }
  const port = env.agentPort !== undefined ? `TM_AGENT_PORT=${shellQuote(env.agentPort)}\n` : '';
  return `TM_MODE=${shellQuote(env.mode)}\nTM_AGENT_ARGS=${shellQuote((env.agentArgs ?? []).join(' '))}\n${port}`;
}

/** base image + a second gzip'd archive with /tailmatrix/cell.env, written to `out`. */
export async function writeCellInitrd(base: string, env: CellEnv, out: string): Promise<void> {
  const cell = writeNewc([{ type: 'file', path: 'tailmatrix/cell.env', data: new TextEncoder().encode(cellEnvText(env)) }]);
  const baseBytes = await readFile(base);
  const extra = gzipSync(cell);
  const all = new Uint8Array(baseBytes.length + extra.length);
  all.set(baseBytes, 0);
  all.set(extra, baseBytes.length);
  await writeFileAtomic(out, all);
}
