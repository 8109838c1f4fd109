// Everything a build depends on, read once: the source identity, the patch and fragment texts with
// their hashes, and the compiler. The inputs hash is computed from exactly what will be built.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { archProfile, type Arch } from '../../arch/index.js';
import { execCommand } from '../../util/exec.js';
import { err, ok, type Result } from '../../util/result.js';
import { badInput, type SourceFailure } from '../source.js';
import { parseFragment, type Fragment } from './fragments.js';
import { git } from './git.js';
import { buildInputsHash, type BuildInputs, type ConfigBase, type SourceIdentity } from './keys.js';
import { crossPrefix } from './make.js';
import type { TreePatch } from './work-tree.js';

export interface BuildPlan {
  inputs: BuildInputs;
  inputsHash: string;
  /** In order: a git tree's uncommitted diff first (when building the work tree), then the user's patches. */
  patches: TreePatch[];
  fragments: Fragment[];
  /** `--config FILE`: the user's complete .config, written as the base instead of `make <base>`. */
  baseConfig?: { file: string; text: string };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The compiler kbuild will use (the cross gcc for another architecture), as `gcc --version` names it (its first line). */
async function compilerId(arch: Arch, env?: NodeJS.ProcessEnv): Promise<Result<string, string>> {
  const gcc = `${crossPrefix(arch)}gcc`;
  const r = await execCommand(gcc, ['--version'], { env });
  if (!r.ok) {
    const what =
      gcc === 'gcc'
        ? 'install gcc, make, flex, bison, bc, libelf-dev, libssl-dev'
        : `install ${archProfile(arch).agent.crossPackage} to build ${arch} kernels: scripts/setup.sh --with-${arch}`;
    return err(`no C compiler ${gcc}: ${r.error.message} (${what})`);
  }
  return ok(r.value.stdout.split('\n')[0]?.trim() ?? gcc);
}

async function readInput(file: string, what: string): Promise<Result<string, SourceFailure>> {
  try {
    return ok(await readFile(file, 'utf8'));
  } catch (e) {
    return err(badInput(`${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
  }
}

/** Commit of `ref` in a local git tree, and the uncommitted diff when building the work tree itself. */
export async function resolveGitSource(
  tree: string,
  ref: string | undefined,
): Promise<Result<{ source: SourceIdentity; diff?: string }, SourceFailure>> {
  const top = await git(tree, ['rev-parse', '--show-toplevel']);
  if (!top.ok) return err(badInput(`${tree} is not a git work tree (build a plain source folder as a tarball, or \`git init\` it)`));
  const rev = await git(tree, ['rev-parse', '--verify', `${ref ?? 'HEAD'}^{commit}`]);
  if (!rev.ok) return err(badInput(`${tree}: no commit "${ref ?? 'HEAD'}"`));
  const commit = rev.value.stdout.trim();
  const root = top.value.stdout.trim();
  if (ref !== undefined) return ok({ source: { kind: 'git', tree: root, commit } });
  // No ref: the developer's work tree as it is now, uncommitted edits to tracked files included.
  const d = await git(root, ['diff', 'HEAD', '--binary']);
  if (!d.ok) return err(d.error.message);
  const diff = d.value.stdout;
  return ok({
    source: { kind: 'git', tree: root, commit, diffSha256: diff === '' ? undefined : sha256(diff) },
    diff: diff === '' ? undefined : diff,
  });
}

export async function planBuild(opts: {
  source: SourceIdentity;
  /** A git tree's uncommitted diff, applied before the patches. */
  treeDiff?: string;
  patchFiles: readonly string[];
  base: ConfigBase;
  /** The user's own complete .config as the base (instead of `base`). */
  configFile?: string;
  fragmentFiles: readonly string[];
  /** The kernel's architecture (default amd64): cross-compiled when it is not the host's. */
  arch?: Arch;
  env?: NodeJS.ProcessEnv;
}): Promise<Result<BuildPlan, SourceFailure>> {
  const patches: TreePatch[] = [];
  if (opts.treeDiff !== undefined)
    patches.push({ name: `uncommitted changes in ${opts.source.kind === 'git' ? opts.source.tree : 'tree'}`, text: opts.treeDiff });
  const hashedPatches = [];
  for (const file of opts.patchFiles) {
    const text = await readInput(file, 'patch');
    if (!text.ok) return text;
    patches.push({ name: file, text: text.value });
    hashedPatches.push({ path: file, sha256: sha256(text.value) });
  }
  const fragments: Fragment[] = [];
  const hashedFragments = [];
  for (const file of opts.fragmentFiles) {
    const text = await readInput(file, 'config fragment');
    if (!text.ok) return text;
    fragments.push(parseFragment(text.value, file));
    hashedFragments.push({ path: file, sha256: sha256(text.value) });
  }
  let baseConfig: BuildPlan['baseConfig'];
  if (opts.configFile !== undefined) {
    const text = await readInput(opts.configFile, 'base .config');
    if (!text.ok) return text;
    baseConfig = { file: opts.configFile, text: text.value };
  }
  const arch = opts.arch ?? 'amd64';
  const cc = await compilerId(arch, opts.env);
  if (!cc.ok) return cc;
  const inputs: BuildInputs = {
    source: opts.source,
    patches: hashedPatches,
    base: opts.base,
    ...(baseConfig !== undefined ? { config: { path: baseConfig.file, sha256: sha256(baseConfig.text) } } : {}),
    fragments: hashedFragments,
    compiler: cc.value,
    ...(arch !== 'amd64' ? { arch } : {}),
  };
  return ok({ inputs, inputsHash: buildInputsHash(inputs), patches, fragments, ...(baseConfig !== undefined ? { baseConfig } : {}) });
}
