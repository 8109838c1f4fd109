// How a bisection ended: the answer, an interruption (resumable), or a stop with the reason.
import type { BisectState, CommitInfo } from './state.js';

export type BisectEnd =
  | { kind: 'found'; dir: string; firstBad: CommitInfo; range: CommitInfo[]; state: BisectState; files: string[] }
  | { kind: 'interrupted'; dir: string; state: BisectState }
  /** The ends do not build, boot or measure as good and bad; or the history is not monotone. */
  | { kind: 'stopped'; dir: string; message: string; badInput: boolean; state: BisectState };
