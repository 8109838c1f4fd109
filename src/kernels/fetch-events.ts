// What a fetch tells while it runs (src/kernels/index.ts fetchAll). Displays and the engine consume them.
import type { FetchProgress } from './source.js';
import type { FetchedKernel } from './types.js';

export type FetchEvent =
  /** Refused before any kernel was tried: unknown --kernel id, lockfile unreadable or not matching (frozen). */
  | { type: 'fetch-refused'; messages: string[] }
  /** The lock was read (and, when frozen, checked); these kernels will be fetched, concurrently. */
  | { type: 'fetch-start'; lockFile: string; kernelIds: string[] }
  | { type: 'kernel-progress'; kernelId: string; progress: FetchProgress; elapsedMs: number }
  /** A fact worth a line ("InRelease signature checked", "pinned by lockfile: …"). */
  | { type: 'kernel-log'; kernelId: string; line: string }
  | { type: 'kernel-done'; kernelId: string; kernel: FetchedKernel; transferred: number; ms: number; extractMs?: number }
  | { type: 'kernel-failed'; kernelId: string; message: string }
  | { type: 'lock-written'; lockFile: string; changed: boolean };
