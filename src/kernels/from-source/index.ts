// The `build` kernel source: a kernel compiled from a local git tree, a source tarball or Debian's
// linux-source-X package, with patches and config fragments, cached by the hash of those inputs.
// resolve() pins the source (commit / tarball SHA256) and the inputs hash; fetch() builds (or finds)
// exactly that. buildFromTree() and treeKernel() serve `tailmatrix run --tree path [--patch f…]`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Arch } from '../../arch/index.js';
import type { BuildSource, Kernel } from '../../matrix/schema.js';
import { PACKAGE_ROOT } from '../../util/paths.js';
import { err, ok, type Result } from '../../util/result.js';
import { KernelCache } from '../cache.js';
import { resolveLinuxSource } from '../debian/linux-source.js';
import { refuseUnsignedPin, UNSIGNED_MARK } from '../debian/unsigned.js';
import { formatBytes } from '../../util/format-bytes.js';
import { badInput, type KernelSourceDriver, type ResolvedOf, type SourceContext, type SourceFailure } from '../source.js';
import { compileKernel, type BuildEvent, type BuiltKernel } from './compile.js';
import { planBuild, resolveGitSource, type BuildPlan } from './inputs.js';
import type { ConfigBase, SourceIdentity } from './keys.js';

export { compileKernel, type BuildEvent, type BuiltKernel, type BuildPhase, DEFAULT_BUILD_TIMEOUT_MS } from './compile.js';
export { planBuild, resolveGitSource, type BuildPlan } from './inputs.js';
export { checkConfig, formatConfigCheck, type ConfigCheck } from './config-check.js';
export { buildInputsHash, type BuildInputs, type SourceIdentity } from './keys.js';
export { listBuildState, pruneBuildState, type BuildStateEntry } from './prune.js';

import { ARCH_FRAGMENTS, DEFAULT_FRAGMENT, VNG_FRAGMENT } from './default-fragments.js';
export { DEFAULT_FRAGMENT, VNG_FRAGMENT };

/** A fragment path: relative to matrix.json when it exists there, else to the package (kernels/configs/…). */
function resolveFragment(file: string, matrixDir: string): string {
  if (path.isAbsolute(file)) return file;
  const local = path.resolve(matrixDir, file);
  return existsSync(local) ? local : path.resolve(PACKAGE_ROOT, file);
}

/** vng's additions first, then the matrix's fragments, then the architecture's (kernels/configs/arm64.config). */
function fragmentFiles(base: ConfigBase, files: readonly string[], matrixDir: string, arch: Arch): string[] {
  const archFragment = ARCH_FRAGMENTS[arch];
  const all = [...(base === 'vng' ? [VNG_FRAGMENT] : []), ...files, ...(archFragment !== undefined ? [archFragment] : [])];
  return all.map((f) => resolveFragment(f, matrixDir));
}

/** What resolving a source needs from the fetch step: the cache holds Debian's suite indexes. */
type IdentityContext = Pick<SourceContext, 'matrixDir' | 'signal' | 'env' | 'cache' | 'allowUnsigned' | 'onProgress' | 'log'>;

/** A linux-source .deb's lock entry says whether a signed index vouched for its SHA256. */
interface Signature {
  signatureChecked: boolean;
  unsignedWhy?: string;
}

type Identity = { source: SourceIdentity; diff?: string; origin: string; signature?: Signature };

// The signature sits next to the source identity, not in it: the inputs hash (the build cache key) is
// what was built, not how its hash was vouched for.
type ResolvedBuild = ResolvedOf<'build'> & { source: SourceIdentity; origin: string } & Partial<Signature>;

/** Where the source comes from, pinned: a commit, a tarball's or a .deb's SHA256. */
async function resolveIdentity(src: BuildSource, ctx: IdentityContext): Promise<Result<Identity, SourceFailure>> {
  if (src.tree !== undefined) {
    const g = await resolveGitSource(path.resolve(ctx.matrixDir, src.tree), src.ref);
    if (!g.ok) return g;
    const s = g.value.source;
    const dirty = s.kind === 'git' && s.diffSha256 !== undefined ? ' + uncommitted changes' : '';
    return ok({
      ...g.value,
      origin: `build:git ${path.resolve(ctx.matrixDir, src.tree)}@${s.kind === 'git' ? s.commit.slice(0, 12) : ''}${dirty}`,
    });
  }
  if (src.tarball !== undefined) {
    return ok({
      source: { kind: 'tarball', url: src.tarball.url, sha256: src.tarball.sha256 },
      origin: `build:tarball ${path.basename(src.tarball.url)}`,
    });
  }
  if (src.debianSource !== undefined) {
    const ds = src.debianSource;
    const d = await resolveLinuxSource(
      {
        ...ds,
        keyring: ds.keyring !== undefined ? path.resolve(ctx.matrixDir, ds.keyring) : undefined,
        allowUnsigned: ctx.allowUnsigned,
      },
      {
        cache: ctx.cache,
        signal: ctx.signal,
        env: ctx.env,
        onBytes: (transferred, total, phase) => ctx.onProgress({ transferred, total, phase }),
      },
    );
    if (!d.ok) return d;
    const v = d.value;
    const sig = v.signature;
    ctx.log(sig.checked ? `InRelease signature checked with gpgv: ${sig.signer}` : `InRelease signature NOT checked: ${sig.why}`);
    return ok({
      source: { kind: 'deb', url: v.url, sha256: v.sha256, package: v.package, version: v.version },
      origin: `build:debian ${ds.suite}/${v.package} ${v.version}${sig.checked ? '' : UNSIGNED_MARK}`,
      signature: sig.checked ? { signatureChecked: true } : { signatureChecked: false, unsignedWhy: sig.why },
    });
  }
  return err(badInput('a build needs one of "tree", "tarball" or "debianSource"'));
}

function describePlan(origin: string, plan: BuildPlan, base: ConfigBase): string {
  const n = plan.inputs.patches.length;
  const on = plan.baseConfig !== undefined ? `own .config ${path.basename(plan.baseConfig.file)}` : base;
  return `${origin} + ${on}${n > 0 ? ` + ${n} patch${n > 1 ? 'es' : ''}` : ''}`;
}

async function plan(
  src: BuildSource,
  arch: Arch,
  source: SourceIdentity,
  diff: string | undefined,
  ctx: Pick<SourceContext, 'matrixDir' | 'env'>,
): Promise<Result<BuildPlan, SourceFailure>> {
  return planBuild({
    source,
    treeDiff: diff,
    patchFiles: src.patches.map((p) => path.resolve(ctx.matrixDir, p)),
    base: src.base,
    ...(src.config !== undefined ? { configFile: path.resolve(ctx.matrixDir, src.config) } : {}),
    // The user's own .config is the whole base: vng's additions to tinyconfig do not apply to it.
    fragmentFiles: fragmentFiles(src.config !== undefined ? 'tinyconfig' : src.base, src.fragments, ctx.matrixDir, arch),
    arch,
    env: ctx.env,
  });
}

/** Build events as the fetch step's progress line: "compile: CC kernel/bpf/verifier.o". */
function progressAdapter(ctx: SourceContext): (e: BuildEvent) => void {
  let phase = 'build';
  return (e) => {
    if (e.type === 'phase') {
      phase = e.phase;
      ctx.log(`build: ${e.phase}${e.detail !== undefined ? ` (${e.detail})` : ''}`);
      ctx.onProgress({ transferred: 0, phase: `build ${e.phase}` });
    } else if (e.type === 'line') {
      ctx.onProgress({ transferred: 0, phase: `build ${phase}: ${e.line.trim().slice(0, 100)}` });
    } else {
      ctx.onProgress({ transferred: e.received, total: e.total, phase: `download source ${formatBytes(e.received)}` });
    }
  };
}

export const buildSourceDriver: KernelSourceDriver<'build'> = {
  type: 'build',
  async resolve(kernel, ctx) {
    const id = await resolveIdentity(kernel.source, ctx);
    if (!id.ok) return id;
    const p = await plan(kernel.source, kernel.arch, id.value.source, id.value.diff, ctx);
    if (!p.ok) return p;
    const resolved: ResolvedBuild = {
      type: 'build',
      inputsHash: p.value.inputsHash,
      source: id.value.source,
      origin: id.value.origin,
      ...id.value.signature,
    };
    return ok(resolved);
  },
  async fetch(kernel, resolved, ctx) {
    const pinned = resolved as ResolvedBuild;
    if (pinned.source.kind === 'deb') {
      const refused = refuseUnsignedPin(pinned, ctx);
      if (refused !== undefined) return err(refused);
    }
    // A tree without ref is the developer's work tree: build what it holds now, not what was locked.
    let source = pinned.source;
    let diff: string | undefined;
    let origin = pinned.origin;
    if (kernel.source.tree !== undefined && kernel.source.ref === undefined) {
      const now = await resolveIdentity(kernel.source, ctx);
      if (!now.ok) return now;
      ({ source, diff, origin } = now.value);
    }
    const p = await plan(kernel.source, kernel.arch, source, diff, ctx);
    if (!p.ok) return p;
    if (p.value.inputsHash !== pinned.inputsHash)
      ctx.log('build inputs (patches, fragments or compiler) changed since the lock: building the current ones');
    const built = await compileKernel(p.value, {
      id: kernel.id,
      cache: ctx.cache,
      signal: ctx.signal,
      env: ctx.env,
      jobs: ctx.makeJobs,
      origin: describePlan(origin, p.value, kernel.source.base),
      onEvent: progressAdapter(ctx),
    });
    if (!built.ok) return built;
    const b = built.value;
    ctx.log(
      b.cached
        ? `build ${b.inputsHash.slice(0, 12)} found in the cache`
        : `built in ${Math.round(b.totalMs / 1000)} s (make ${Math.round((b.compileMs ?? 0) / 1000)} s), log ${b.logFile}`,
    );
    return ok(b.kernel);
  },
};

/** The matrix entry `run --tree path [--patch f…]` adds: a build of the tree as it is now. */
export function treeKernel(opts: {
  id?: string;
  tree: string;
  ref?: string;
  patches?: readonly string[];
  base?: ConfigBase;
  fragments?: readonly string[];
  /** Default amd64; another architecture is cross-compiled (`run --tree DIR --arch arm64`). */
  arch?: Arch;
}): Kernel {
  return {
    id: opts.id ?? 'tree',
    arch: opts.arch ?? 'amd64',
    description: `built from ${opts.tree}`,
    source: {
      type: 'build',
      tree: path.resolve(opts.tree),
      ref: opts.ref,
      patches: (opts.patches ?? []).map((p) => path.resolve(p)),
      base: opts.base ?? 'tinyconfig',
      fragments: (opts.fragments ?? [DEFAULT_FRAGMENT]).map((f) => resolveFragment(f, process.cwd())),
    },
  };
}

export interface BuildFromSourceOptions {
  id?: string;
  source: BuildSource;
  /** The kernel's architecture (default amd64): cross-compiled with the profile's ARCH and CROSS_COMPILE. */
  arch?: Arch;
  /** Relative paths in `source` are resolved against this (default: cwd). */
  baseDir?: string;
  cache?: KernelCache;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  jobs?: number;
  timeoutMs?: number;
  onEvent?: (e: BuildEvent) => void;
  /** --allow-unsigned: use Debian's linux-source index unverified when gpgv or the keyring is missing. */
  allowUnsigned?: boolean;
}

/** Build (or find in the cache) the kernel a `build` source describes, without a matrix or lockfile. */
export async function buildFromSource(opts: BuildFromSourceOptions): Promise<Result<BuiltKernel, SourceFailure>> {
  const env = opts.env ?? process.env;
  const cache = opts.cache ?? KernelCache.fromEnv(env);
  const ctx = {
    matrixDir: opts.baseDir ?? process.cwd(),
    signal: opts.signal ?? new AbortController().signal,
    env,
    cache,
    allowUnsigned: opts.allowUnsigned === true,
    // Index bytes (InRelease, Packages) are a download like the source's own.
    onProgress: (p: { transferred: number; total?: number }) =>
      opts.onEvent?.({ type: 'download', received: p.transferred, total: p.total }),
    log: (line: string) => opts.onEvent?.({ type: 'line', line }),
  };
  const id = await resolveIdentity(opts.source, ctx);
  if (!id.ok) return id;
  const p = await plan(opts.source, opts.arch ?? 'amd64', id.value.source, id.value.diff, ctx);
  if (!p.ok) return p;
  return compileKernel(p.value, {
    id: opts.id ?? 'build',
    cache,
    signal: opts.signal,
    env: opts.env,
    jobs: opts.jobs,
    timeoutMs: opts.timeoutMs,
    origin: describePlan(id.value.origin, p.value, opts.source.base),
    onEvent: opts.onEvent,
  });
}
