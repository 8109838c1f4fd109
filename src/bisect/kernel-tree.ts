// Is this a Linux kernel tree at all? A tree that is not one fails every build, and `git bisect run` would
// then skip (125) every commit and end on "only skipped commits left" after hours. Asked once, before any
// build: the top-level Makefile of every kernel since 2.6 starts with VERSION = and PATCHLEVEL = lines, and
// the tree has a top-level Kconfig and kernel/bpf/ (the code under test).
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../kernels/from-source/git.js';

const MAKEFILE_VERSION = /^VERSION = \d+\s*$/m;
const MAKEFILE_PATCHLEVEL = /^PATCHLEVEL = \d+\s*$/m;

/** What a kernel tree holds, as the reason text names it. */
function problems(makefile: string | undefined, hasKconfig: boolean, hasBpf: boolean): string[] {
  const out: string[] = [];
  if (makefile === undefined) out.push('no top-level Makefile');
  else if (!MAKEFILE_VERSION.test(makefile) || !MAKEFILE_PATCHLEVEL.test(makefile))
    out.push('its Makefile has no "VERSION =" / "PATCHLEVEL =" lines');
  if (!hasKconfig) out.push('no top-level Kconfig');
  if (!hasBpf) out.push('no kernel/bpf/');
  return out;
}

const explain = (where: string, found: string[]) =>
  `${where} is not a Linux kernel tree (${found.join('; ')}): every commit would fail to build`;

/** The checked-out tree as it is now (uncommitted changes included): undefined when it looks like a kernel tree. */
export async function notKernelWorkTree(tree: string): Promise<string | undefined> {
  const makefile = await readFile(path.join(tree, 'Makefile'), 'utf8').catch(() => undefined);
  const isA = async (p: string, dir: boolean) => {
    const s = await stat(path.join(tree, p)).catch(() => undefined);
    return s !== undefined && (dir ? s.isDirectory() : s.isFile());
  };
  const found = problems(makefile, await isA('Kconfig', false), await isA('kernel/bpf', true));
  return found.length > 0 ? explain(tree, found) : undefined;
}

/** One commit of the tree, read with git only (the user's work tree is never touched). */
export async function notKernelCommit(tree: string, sha: string): Promise<string | undefined> {
  const show = await git(tree, ['show', `${sha}:Makefile`]);
  const has = async (p: string, type: 'blob' | 'tree') => {
    const r = await git(tree, ['cat-file', '-t', `${sha}:${p}`]);
    return r.ok && r.value.stdout.trim() === type;
  };
  const found = problems(show.ok ? show.value.stdout : undefined, await has('Kconfig', 'blob'), await has('kernel/bpf', 'tree'));
  return found.length > 0 ? explain(`${tree} at ${sha.slice(0, 12)}`, found) : undefined;
}
