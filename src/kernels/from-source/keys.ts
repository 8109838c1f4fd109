// What a build is keyed by. Two keys, on purpose:
//  - the inputs hash (source identity, patches, base, fragments, compiler): names the finished kernel in
//    the content-addressed cache; any change gives a new kernel;
//  - the work key (source location, base, compiler; NOT patches or fragments): names the source work
//    tree and the `make O=` directory that are reused between builds, so a one-file patch or a changed
//    fragment rebuilds incrementally (kbuild tracks changed files and changed config symbols itself).
import { createHash } from 'node:crypto';
import type { Arch } from '../../arch/index.js';
import { stableJson } from '../../util/stable-json.js';

/**
 * Bump when the way a kernel is built changes (make variables, published files): old cache entries
 * then stop matching instead of being reused with the wrong contents.
 */
const BUILD_RECIPE_VERSION = 1;

export type SourceIdentity =
  /** A source tarball by URL (the URL is informational, the SHA256 is the identity). */
  | { kind: 'tarball'; url: string; sha256: string }
  /** Debian's linux-source-X package (a .deb holding the tarball). */
  | { kind: 'deb'; url: string; sha256: string; package: string; version: string }
  /** A local git tree at a commit, plus uncommitted changes to tracked files when building the work tree. */
  | { kind: 'git'; tree: string; commit: string; diffSha256?: string };

interface HashedFile {
  /** As the user named it (shown in messages). */
  path: string;
  sha256: string;
}

export type ConfigBase = 'tinyconfig' | 'defconfig' | 'vng';

export interface BuildInputs {
  source: SourceIdentity;
  patches: HashedFile[];
  base: ConfigBase;
  /** The user's own complete .config, used as the base instead of `base` (`--config FILE`). */
  config?: HashedFile;
  fragments: HashedFile[];
  /** First line of `gcc --version` (the cross compiler's for another architecture): another compiler makes another kernel. */
  compiler: string;
  /** The kernel's architecture; absent for amd64, so the hashes of x86-64 builds stay as they were. */
  arch?: Exclude<Arch, 'amd64'>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Identity parts only: where a patch or fragment lives does not change the kernel, its contents do. */
function identity(s: SourceIdentity): unknown {
  switch (s.kind) {
    case 'tarball':
      return { kind: s.kind, sha256: s.sha256 };
    case 'deb':
      return { kind: s.kind, sha256: s.sha256 };
    case 'git':
      return { kind: s.kind, commit: s.commit, diffSha256: s.diffSha256 };
  }
}

export function buildInputsHash(i: BuildInputs): string {
  return sha256(
    stableJson({
      recipe: BUILD_RECIPE_VERSION,
      source: identity(i.source),
      patches: i.patches.map((p) => p.sha256),
      base: i.base,
      // Absent (undefined, left out by stableJson) for every build without one: their hashes stay as they were.
      config: i.config?.sha256,
      fragments: i.fragments.map((f) => f.sha256),
      compiler: i.compiler,
      arch: i.arch,
    }),
  );
}

/**
 * The reusable source work tree: one per tarball, one per local git tree (not per commit, so that
 * checking out another commit only rewrites the files that differ: bisecting stays incremental).
 */
export function workTreeKey(s: SourceIdentity): string {
  switch (s.kind) {
    case 'tarball':
    case 'deb':
      return `tar-${s.sha256.slice(0, 16)}`;
    case 'git':
      return `git-${sha256(s.tree).slice(0, 16)}`;
  }
}

/**
 * The reusable `make O=` directory: per work tree, base config (`own-config` for `--config FILE`), compiler
 * and architecture (one source tree serves both; each architecture keeps its own objects and .config).
 */
export function objDirKey(s: SourceIdentity, base: ConfigBase | 'own-config', compiler: string, arch: Arch = 'amd64'): string {
  return `${workTreeKey(s)}-${base}-${sha256(compiler).slice(0, 12)}${arch === 'amd64' ? '' : `-${arch}`}`;
}

/** Cache key of the finished kernel (kernels/<key>). */
export function kernelCacheKey(inputsHash: string): string {
  return `build-${inputsHash}`;
}
