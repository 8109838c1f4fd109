// Builds the guest payload (bpf/: the BPF objects of PAYLOAD_OBJECTS and the static agent) into the cache, keyed by a
// content hash of the sources and the toolchain, so a second run reuses it and a changed source or
// compiler rebuilds it. Missing tools are a value naming the Debian package to install.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { archProfile, type Arch } from '../arch/index.js';
import { execCommand } from '../util/exec.js';
import { withLock } from '../util/file-lock.js';
import { cacheRoot, PACKAGE_ROOT } from '../util/paths.js';
import { err, ok, type Result } from '../util/result.js';
import { sha256File } from '../util/sha256-file.js';

/** The objects the agent loads (bpf/PROTOCOL.md: tailcall_<variant>.bpf.o; the traffic benchmark's probe and proof; the strategies). */
export const PAYLOAD_OBJECTS = [
  'tailcall_direct.bpf.o',
  'tailcall_indirect.bpf.o',
  'traffic_probe.bpf.o',
  'traffic_seen.bpf.o',
  // The strategies benchmark's chains (bpf/strategies*.bpf.c; the two tail-call strategies reuse the chains above).
  'strategies_call.bpf.o',
  'strategies_global.bpf.o',
  'strategies_tailsub.bpf.o',
  'strategies_loop.bpf.o',
] as const;

/** The compiled guest payload (bpf/, built here). */
export interface GuestPayload {
  /** Static measurement agent binary. */
  agent: string;
  /** Directory holding the BPF objects the agent loads (PAYLOAD_OBJECTS). */
  objDir: string;
  /** Content hash of the payload (sources + toolchain), part of every initramfs cache key. */
  hash: string;
  /** Set when the cached payload failed its hash check and was rebuilt: why. */
  rebuilt?: string;
}

/** A cold build (clang twice, one static link) takes ~2 s here; a loaded CI box gets ample headroom. */
const BUILD_TIMEOUT_MS = 5 * 60_000;
/** `--version` answers at once; a tool that does not is as good as missing. */
const PROBE_TIMEOUT_MS = 20_000;

interface Requirement {
  what: string;
  pkg: string;
  check: () => Promise<boolean>;
}

interface PayloadOptions {
  signal?: AbortSignal;
  /** Where built payloads live (default: <cache>/payload). */
  cacheDir?: string;
  /** The bpf/ source folder (default: the package's own). */
  sourceDir?: string;
  /** Environment for make and the tool probes (PATH decides which compilers are found). */
  env?: NodeJS.ProcessEnv;
  /** The guest architecture the agent is linked for (default amd64, the host's own compiler). */
  arch?: Arch;
}

interface ToolCtx {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** The guest architecture (default amd64): which C compiler links the agent, against which libraries. */
  arch?: Arch;
}

/** The C compiler that links an agent for `arch` (bpf/Makefile picks the same one for GUEST_ARCH). */
function compilerFor(arch: Arch): string {
  return arch === 'amd64' ? 'cc' : `${archProfile(arch).agent.triplet}-gcc`;
}

const exists = async (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function answers(tool: string, args: string[], ctx: ToolCtx): Promise<string | undefined> {
  const res = await execCommand(tool, args, { signal: ctx.signal, env: ctx.env, timeoutMs: PROBE_TIMEOUT_MS });
  return res.ok ? res.value.stdout : undefined;
}

/** `cc -print-file-name=libX.a` prints a full path only when the linker would find the archive. */
async function staticLib(name: string, ctx: ToolCtx): Promise<boolean> {
  const out = (await answers(compilerFor(ctx.arch ?? 'amd64'), [`-print-file-name=${name}`], ctx))?.trim();
  return out !== undefined && path.isAbsolute(out) && (await exists(out));
}

async function bpfHelpersHeader(ctx: ToolCtx): Promise<boolean> {
  const res = await execCommand(compilerFor(ctx.arch ?? 'amd64'), ['-E', '-x', 'c', '-'], {
    input: '#include <bpf/bpf_helpers.h>\n',
    signal: ctx.signal,
    env: ctx.env,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  return res.ok;
}

function requirements(ctx: ToolCtx): Requirement[] {
  const arch = ctx.arch ?? 'amd64';
  const cc = compilerFor(arch);
  // A cross build links against the other architecture's multiarch libraries: `libbpf-dev:arm64` and so on.
  const cross = arch !== 'amd64';
  const lib = (pkg: string) => (cross ? `${pkg}:${arch} (scripts/setup.sh)` : pkg);
  return [
    { what: 'make', pkg: 'make', check: async () => (await answers('make', ['--version'], ctx)) !== undefined },
    { what: 'clang (BPF target)', pkg: 'clang', check: async () => (await answers('clang', ['--version'], ctx)) !== undefined },
    {
      what: `a C compiler (${cc})`,
      pkg: cross ? archProfile(arch).agent.crossPackage : 'gcc',
      check: async () => (await answers(cc, ['--version'], ctx)) !== undefined,
    },
    { what: 'libbpf headers (bpf/bpf_helpers.h)', pkg: lib('libbpf-dev'), check: () => bpfHelpersHeader(ctx) },
    { what: 'static libbpf (libbpf.a)', pkg: lib('libbpf-dev'), check: () => staticLib('libbpf.a', ctx) },
    { what: 'static libelf (libelf.a)', pkg: lib('libelf-dev'), check: () => staticLib('libelf.a', ctx) },
    { what: 'static zlib (libz.a)', pkg: lib('zlib1g-dev'), check: () => staticLib('libz.a', ctx) },
    { what: 'static libzstd (libzstd.a)', pkg: lib('libzstd-dev'), check: () => staticLib('libzstd.a', ctx) },
  ];
}

/** Every missing build requirement, e.g. "clang (BPF target): install clang". Empty when all are there. */
async function missingBuildTools(ctx: ToolCtx = {}): Promise<string[]> {
  const reqs = requirements(ctx);
  const results = await Promise.all(reqs.map((r) => r.check()));
  return reqs.filter((_, i) => !results[i]).map((r) => `${r.what}: install ${r.pkg}`);
}

/** Hash of what decides the build output: every bpf/*.c, *.h (all the agent's files too) and the Makefile, the compilers, libbpf's version. */
async function payloadHash(sourceDir: string, ctx: ToolCtx = {}): Promise<string> {
  const h = createHash('sha256');
  const files = (await readdir(sourceDir)).filter((f) => /\.(c|h)$/.test(f) || f === 'Makefile').sort();
  for (const f of files) {
    h.update(`file ${f}\n`);
    h.update(await readFile(path.join(sourceDir, f)));
  }
  const arch = ctx.arch ?? 'amd64';
  const cc = compilerFor(arch);
  // Another architecture's payload hashes its name and its compiler too; amd64's key is what it always was.
  if (arch !== 'amd64') h.update(`arch ${arch}\n`);
  for (const tool of ['clang', cc]) h.update(`${tool} ${(await answers(tool, ['--version'], ctx))?.split('\n')[0] ?? 'missing'}\n`);
  const libbpfVersion = await readFile('/usr/include/bpf/libbpf_version.h', 'utf8').catch(() => 'unknown');
  h.update(`libbpf ${libbpfVersion}\n`);
  return h.digest('hex');
}

function payloadAt(dir: string, hash: string): GuestPayload {
  return { agent: path.join(dir, 'agent'), objDir: path.join(dir, 'bpf'), hash };
}

/** The payload's files relative to its folder: what the manifest hashes and the check compares. */
const PAYLOAD_FILES = ['agent', ...PAYLOAD_OBJECTS.map((o) => `bpf/${o}`)];
/** SHA256 of each payload file, written when it was built: the agent runs as root, so nothing cached is run unchecked. */
const MANIFEST = 'manifest.json';

async function hashFiles(dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(PAYLOAD_FILES.map(async (f) => [f, await sha256File(path.join(dir, f))] as const)));
}

/**
 * Null when every file is there and hashes as it did when it was built; else what is wrong. A changed agent
 * or object (bit rot, or a cache restored from somewhere it could be written) is rebuilt, never run.
 */
async function payloadProblem(dir: string): Promise<string | null> {
  if (!(await Promise.all(PAYLOAD_FILES.map((f) => exists(path.join(dir, f))))).every(Boolean)) return 'incomplete';
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as Record<string, unknown>;
  } catch {
    return `no readable ${MANIFEST} (built by an older tailmatrix, or damaged)`;
  }
  const actual = await hashFiles(dir);
  const changed = PAYLOAD_FILES.filter((f) => manifest[f] !== actual[f]);
  return changed.length === 0 ? null : `${changed.join(', ')} no longer hash${changed.length === 1 ? 'es' : ''} as built`;
}

async function build(sourceDir: string, finalDir: string, hash: string, ctx: ToolCtx): Promise<Result<GuestPayload, string>> {
  const tmp = `${finalDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const buildDir = path.join(tmp, 'build');
  await mkdir(buildDir, { recursive: true });
  // BUILD= points make at the cache, so an installed (read-only) package builds too.
  const arch = ctx.arch !== undefined && ctx.arch !== 'amd64' ? [`GUEST_ARCH=${ctx.arch}`] : [];
  const made = await execCommand('make', ['-C', sourceDir, `BUILD=${buildDir}`, ...arch, 'all'], {
    signal: ctx.signal,
    env: ctx.env,
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (!made.ok) {
    await rm(tmp, { recursive: true, force: true });
    const missing = await missingBuildTools(ctx);
    const hint = missing.length ? `\nmissing: ${missing.join('; ')}` : '';
    return err(`building the guest payload failed: ${made.error.message}${hint}`);
  }
  await mkdir(path.join(tmp, 'bpf'));
  await rename(path.join(buildDir, 'agent'), path.join(tmp, 'agent'));
  for (const o of PAYLOAD_OBJECTS) await rename(path.join(buildDir, o), path.join(tmp, 'bpf', o));
  await rm(buildDir, { recursive: true, force: true });
  await writeFile(path.join(tmp, MANIFEST), `${JSON.stringify(await hashFiles(tmp), null, 2)}\n`);
  await rm(finalDir, { recursive: true, force: true });
  await rename(tmp, finalDir);
  return ok(payloadAt(finalDir, hash));
}

/** The built payload for the current sources and toolchain, building it when not cached. */
export async function ensurePayload(opts: PayloadOptions = {}): Promise<Result<GuestPayload, string>> {
  const sourceDir = opts.sourceDir ?? path.join(PACKAGE_ROOT, 'bpf');
  const ctx: ToolCtx = { signal: opts.signal, env: opts.env, arch: opts.arch };
  const hash = await payloadHash(sourceDir, ctx);
  const cacheDir = opts.cacheDir ?? path.join(cacheRoot(), 'payload');
  const finalDir = path.join(cacheDir, hash.slice(0, 16));
  await mkdir(cacheDir, { recursive: true });
  const cached = payloadAt(finalDir, hash);
  const problem = await payloadProblem(finalDir);
  if (problem === null) return ok(cached);
  const missing = await missingBuildTools(ctx);
  if (missing.length > 0) return err(`cannot build the guest payload (bpf/): ${missing.join('; ')}`);
  // Two runs sharing a cache build once: the second finds the first one's result under the lock.
  return withLock(
    `${finalDir}.lock`,
    async () => {
      const still = await payloadProblem(finalDir);
      if (still === null) return ok(cached);
      const built = await build(sourceDir, finalDir, hash, ctx);
      // Said only when a cached payload was there and failed its check: a first build is no news.
      return built.ok && still !== 'incomplete'
        ? ok({ ...built.value, rebuilt: `the cached payload failed its check (${still}): rebuilt` })
        : built;
    },
    { signal: opts.signal },
  );
}
