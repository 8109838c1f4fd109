// What the bisection reads from the user's tree: read-only git commands only (rev-parse, rev-list,
// show). Nothing here checks out, writes refs or starts `git bisect` there: builds happen in the
// kernel compile's own clone under the cache.
import { git } from '../kernels/from-source/git.js';
import { badInput, type SourceFailure } from '../kernels/source.js';
import { err, ok, type Result } from '../util/result.js';
import type { CommitInfo } from './state.js';

export async function topLevel(tree: string): Promise<Result<string, SourceFailure>> {
  const r = await git(tree, ['rev-parse', '--show-toplevel']);
  return r.ok ? ok(r.value.stdout.trim()) : err(badInput(`--tree ${tree}: not a git work tree`));
}

async function commitInfo(tree: string, ref: string, what: string): Promise<Result<CommitInfo, SourceFailure>> {
  // %aI: strict ISO 8601 author date; %s last, since a subject may hold anything but a newline.
  const r = await git(tree, ['show', '-s', '--no-show-signature', '--format=%H%n%aI%n%s', `${ref}^{commit}`, '--']);
  if (!r.ok) return err(badInput(`${what} ${ref}: no such commit in ${tree}`));
  const [sha = '', authorDate = '', subject = ''] = r.value.stdout.split('\n');
  return ok({ sha, authorDate, subject });
}

/** Both ends, checked: the good end must be an ancestor of the bad end. */
export async function resolveEnds(
  tree: string,
  good: string,
  bad: string,
): Promise<Result<{ good: CommitInfo; bad: CommitInfo }, SourceFailure>> {
  const g = await commitInfo(tree, good, '--good');
  if (!g.ok) return g;
  const b = await commitInfo(tree, bad, '--bad');
  if (!b.ok) return b;
  if (g.value.sha === b.value.sha) return err(badInput(`--good and --bad are the same commit (${g.value.sha.slice(0, 12)})`));
  const anc = await git(tree, ['merge-base', '--is-ancestor', g.value.sha, b.value.sha]);
  if (!anc.ok)
    return err(badInput(`--good ${good} is not an ancestor of --bad ${bad}: swap them, or pick a good commit on the bad one's history`));
  return ok({ good: g.value, bad: b.value });
}

/** good..bad along first parents, oldest first, the bad end last. */
export async function firstParentRange(tree: string, good: string, bad: string): Promise<Result<CommitInfo[], string>> {
  // %x00 separates records: subjects are free text.
  const r = await git(tree, ['log', '--first-parent', '--reverse', '--format=%H%x01%aI%x01%s%x00', `${good}..${bad}`]);
  if (!r.ok) return err(r.error.message);
  const commits = r.value.stdout
    .split('\0')
    .map((rec) => rec.replace(/^\n/, ''))
    .filter((rec) => rec !== '')
    .map((rec) => {
      const [sha = '', authorDate = '', subject = ''] = rec.split('\x01');
      return { sha, authorDate, subject };
    });
  return ok(commits);
}
