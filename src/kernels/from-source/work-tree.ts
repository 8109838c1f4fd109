// The source work tree a build compiles: created once per source, then kept. It is always a git
// repository whose HEAD is the pristine source (a tarball is committed as it came), so patches are
// applied with `git apply` and undone with `git reset --hard`, which rewrites only the files that
// differ: make then recompiles only what the patch touched.
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeJsonAtomic } from '../../util/fs.js';
import { err, ok, type Result } from '../../util/result.js';
import { git } from './git.js';

/** Next to the tree: what is applied on top of the pristine commit right now. */
const STATE_FILE = 'applied.json';

export interface TreePatch {
  /** Shown in messages. */
  name: string;
  /** The patch text (a file's contents, or a work tree's `git diff`). */
  text: string;
}

export interface WorkTree {
  /** Holds tree/ and applied.json. */
  dir: string;
  tree: string;
}

export function workTreeAt(dir: string): WorkTree {
  return { dir, tree: path.join(dir, 'tree') };
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

/**
 * Make sure the work tree exists: `fill(tmpTree)` puts the pristine source into a temp folder, which is
 * committed and renamed into place, so a half-extracted tree is never taken for a finished one.
 */
export async function ensureWorkTree(
  wt: WorkTree,
  fill: (tmpTree: string) => Promise<Result<void, string>>,
  signal?: AbortSignal,
): Promise<Result<'created' | 'existing', string>> {
  if (await exists(path.join(wt.tree, '.git'))) return ok('existing');
  const tmp = `${wt.tree}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const filled = await fill(tmp);
    if (!filled.ok) return filled;
    if (!(await exists(path.join(tmp, '.git')))) {
      // Debian's linux-source .gitignore ignores everything at the top level: add with -f.
      for (const args of [
        ['init', '-q'],
        ['add', '-f', '-A', '.'],
        ['commit', '-q', '--no-verify', '-m', 'pristine source'],
      ]) {
        const r = await git(tmp, args, { signal });
        if (!r.ok) return err(r.error.message);
      }
    }
    await rm(path.join(wt.dir, STATE_FILE), { force: true });
    await rename(tmp, wt.tree);
    return ok('created');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

interface AppliedState {
  base: string;
  patches: string[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function readState(wt: WorkTree): Promise<AppliedState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(wt.dir, STATE_FILE), 'utf8')) as AppliedState;
  } catch {
    return undefined;
  }
}

/**
 * Bring the tree to `base` (a commit; HEAD for tarballs) plus `patches`, in order. Does nothing when
 * exactly that is applied already (no file is touched, so make has nothing to redo).
 * A patch that does not apply is the user's input at fault: the error names it.
 */
export async function checkoutWithPatches(
  wt: WorkTree,
  base: string,
  patches: readonly TreePatch[],
  signal?: AbortSignal,
): Promise<Result<'unchanged' | 'changed', { message: string; badPatch?: string }>> {
  const want: AppliedState = { base, patches: patches.map((p) => sha(p.text)) };
  const have = await readState(wt);
  if (have !== undefined && JSON.stringify(have) === JSON.stringify(want)) return ok('unchanged');
  // Forget the old state first: an interrupted switch must not be taken for a finished one.
  await rm(path.join(wt.dir, STATE_FILE), { force: true });
  for (const args of [
    ['checkout', '-q', '-f', '--detach', base],
    ['reset', '-q', '--hard', base],
    ['clean', '-q', '-f', '-d', '-x'],
  ]) {
    const r = await git(wt.tree, args, { signal });
    if (!r.ok) return err({ message: r.error.message });
  }
  for (const p of patches) {
    const r = await git(wt.tree, ['apply', '--whitespace=nowarn', '-'], { input: p.text, signal });
    if (!r.ok) return err({ message: `patch ${p.name} does not apply:\n${r.error.stderrTail}`, badPatch: p.name });
  }
  await writeJsonAtomic(path.join(wt.dir, STATE_FILE), want);
  return ok('changed');
}
