// listr2 tasks that show a fetch from its events: the lockfile, one subtask per kernel (bytes and
// rate while downloading, where it came from when done), the lockfile written.
import type { ListrTask } from 'listr2';
import type { FetchEvent } from '../../engine/fetch.js';
import { formatBytes, formatRate } from '../../util/format-bytes.js';
import type { EventFeed } from './feed.js';

/** Longer than any cache hit: a kernel that took this long without a download was built here. */
const BUILT_HERE_MS = 5_000;
/** Throttle for progress lines in non-TTY output: one line per kernel every second is plenty. */
const PROGRESS_EVERY_MS = 1_000;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function doneTitle(e: Extract<FetchEvent, { type: 'kernel-done' }>): string {
  const timing =
    e.extractMs !== undefined
      ? `${formatBytes(e.transferred)} downloaded in ${secs(e.ms - e.extractMs)}, extracted in ${secs(e.extractMs)}`
      : e.transferred > 0
        ? `${formatBytes(e.transferred)} in ${secs(e.ms)}`
        : // Nothing downloaded: a cache hit, or a kernel built here (which takes minutes).
          e.ms < BUILT_HERE_MS
          ? 'cached, 0 bytes'
          : `ready in ${secs(e.ms)}, 0 bytes downloaded`;
  return `${e.kernelId}: ${e.kernel.origin} (${timing})`;
}

function progressLine(e: Extract<FetchEvent, { type: 'kernel-progress' }>): string {
  const p = e.progress;
  // A build (or an extraction) moves no bytes over the network: its phase says it all.
  if (p.transferred === 0 && p.total === undefined) return p.phase;
  const total = p.total !== undefined ? ` / ${formatBytes(p.total)}` : '';
  return `${p.phase}: ${formatBytes(p.transferred)}${total}, ${formatRate(p.transferred, e.elapsedMs)}`;
}

/** `pick` takes the fetch events out of whatever the feed carries (a run wraps them). */
export function fetchTasks<E, C = unknown>(feed: EventFeed<E>, pick: (e: E) => FetchEvent | undefined): ListrTask<C>[] {
  const on = <T>(f: (e: FetchEvent) => T | undefined) =>
    feed.until((e) => {
      const fe = pick(e);
      return fe === undefined ? undefined : f(fe);
    });
  const started = on((e) => (e.type === 'fetch-start' || e.type === 'fetch-refused' ? e : undefined));
  return [
    {
      title: 'Read lockfile',
      task: async (_c, task) => {
        const e = await started;
        if (e === undefined) throw new Error('the fetch did not start');
        if (e.type === 'fetch-refused') throw new Error(e.messages.join('\n'));
        task.title = `Lockfile ${e.lockFile}`;
      },
    },
    {
      title: 'Fetch kernels',
      task: async (_c, task) => {
        const e = await started;
        const ids = e?.type === 'fetch-start' ? e.kernelIds : [];
        return task.newListr(
          ids.map((id) => ({
            title: id,
            task: async (_c2, sub) => {
              let shown = 0;
              const end = await on((k) => {
                if (!('kernelId' in k) || k.kernelId !== id) return undefined;
                if (k.type === 'kernel-progress' && Date.now() - shown >= PROGRESS_EVERY_MS) {
                  shown = Date.now();
                  sub.output = progressLine(k);
                } else if (k.type === 'kernel-log') sub.output = k.line;
                return k.type === 'kernel-done' || k.type === 'kernel-failed' ? k : undefined;
              });
              if (end === undefined) throw new Error(`${id}: interrupted`);
              if (end.type === 'kernel-failed') throw new Error(end.message);
              if (end.type === 'kernel-done') sub.title = doneTitle(end);
            },
          })),
          { concurrent: true, exitOnError: false },
        );
      },
    },
    {
      title: 'Write lockfile',
      task: async (_c, task) => {
        const e = await on((w) => (w.type === 'lock-written' ? w : undefined));
        if (e === undefined) return task.skip('lockfile not written');
        task.title = e.changed ? `Lockfile updated: ${e.lockFile}` : 'Lockfile unchanged';
      },
    },
  ];
}
