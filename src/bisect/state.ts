// The bisection's state file (<bisect dir>/state.json): what was asked, the commits in range, and
// every step with every run, written after each run. Ctrl-C loses at most the run in flight;
// `--resume` reads it back and continues the same bisection (and refuses a different one).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { figureKind } from '../results/cell-result.js';
import { writeJsonAtomic } from '../util/fs.js';
import { err, ok, type Result } from '../util/result.js';
import type { Verdict } from './decide.js';
import { METRICS } from './metric.js';

export const STATE_FILE = 'state.json';
const STATE_VERSION = 1;

const commitInfo = z.object({ sha: z.string(), subject: z.string(), authorDate: z.string() });
export type CommitInfo = z.infer<typeof commitInfo>;

const run = z.object({
  value: z.number(),
  ci: z.tuple([z.number(), z.number()]),
  kind: figureKind,
  cellFile: z.string().optional(),
  wallMs: z.number(),
});

const step = z.object({
  commit: commitInfo,
  /** 'good' | 'bad' | 'skip'; absent while the step is still measuring (interrupted). */
  verdict: z.enum(['good', 'bad', 'skip']).optional(),
  role: z.enum(['good-end', 'bad-end', 'search']),
  build: z.object({ cached: z.boolean(), totalMs: z.number(), compileMs: z.number().optional() }).optional(),
  /** Why a commit was skipped (build or boot failure, no figure). */
  reason: z.string().optional(),
  runs: z.array(run),
  atCap: z.boolean().default(false),
  /** Wall time of the step: build + every run. */
  wallMs: z.number().default(0),
});
export type Step = z.infer<typeof step>;

/** What identifies a bisection: resuming with other parameters would mix two experiments. */
const request = z.object({
  tree: z.string(),
  good: z.string(),
  bad: z.string(),
  metric: z.enum(METRICS),
  bench: z.string(),
  boot: z.string(),
  threshold: z.number().optional(),
  repeatCap: z.number().int().min(1),
});
export type BisectRequest = z.infer<typeof request>;

const state = z.object({
  version: z.literal(STATE_VERSION),
  request,
  /** good..bad, oldest first, first parent; the bad end last. */
  commits: z.array(commitInfo),
  rule: z.object({ threshold: z.number(), badAbove: z.boolean(), origin: z.enum(['given', 'midpoint']) }).optional(),
  steps: z.array(step),
});
export type BisectState = z.infer<typeof state>;

export function newState(req: BisectRequest, commits: CommitInfo[]): BisectState {
  return { version: STATE_VERSION, request: req, commits, steps: [] };
}

export async function readState(dir: string): Promise<Result<BisectState | undefined, string>> {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return err(`${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err(`${file}: not JSON (${(e as Error).message}); remove it to start over`);
  }
  const parsed = state.safeParse(json);
  if (!parsed.success)
    return err(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}; remove it to start over`);
  return ok(parsed.data);
}

export function writeState(dir: string, s: BisectState): Promise<void> {
  return writeJsonAtomic(path.join(dir, STATE_FILE), s);
}

/** The differences between the stored request and this one (empty: the same bisection). */
export function requestMismatch(stored: BisectRequest, asked: BisectRequest): string[] {
  return (Object.keys(request.shape) as (keyof BisectRequest)[])
    .filter((k) => stored[k] !== asked[k])
    .map((k) => `${k}: stored ${JSON.stringify(stored[k])}, asked ${JSON.stringify(asked[k])}`);
}

/** Verdicts of the search steps so far (the ends are not in the commit list's marks). */
export function marksOf(s: BisectState): Map<string, Verdict> {
  const m = new Map<string, Verdict>();
  for (const st of s.steps) if (st.role === 'search' && st.verdict !== undefined) m.set(st.commit.sha, st.verdict);
  return m;
}

/** The step of this commit and role, to continue (an interrupted one keeps its runs) or to add. */
export function stepFor(s: BisectState, commit: CommitInfo, role: Step['role']): Step {
  const have = s.steps.find((st) => st.commit.sha === commit.sha && st.role === role);
  if (have !== undefined) return have;
  const fresh: Step = { commit, role, runs: [], atCap: false, wallMs: 0 };
  s.steps.push(fresh);
  return fresh;
}
