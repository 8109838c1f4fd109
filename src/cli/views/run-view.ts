// `run` on screen: listr2 tasks built from the engine's events. Owns nothing of the run itself.
import path from 'node:path';
import { Listr, type ListrTask } from 'listr2';
import type { RunEvent } from '../../engine/events.js';
import { headline } from '../../engine/run.js';
import { fetchTasks } from './fetch-view.js';
import type { EventFeed } from './feed.js';

type RunStart = Extract<RunEvent, { type: 'run-start' }>;

interface RunViewOptions {
  /** Guest console lines as task output (--verbose). */
  consoleLines: boolean;
  listr: never;
  /** Plain line-by-line progress (CI, logs): output lines carry their cell's name, since cells interleave. */
  plain?: boolean;
}

/** Cells finished of all planned: the "Run cells" title counts them as they end. */
interface Tally {
  done: number;
  total: number;
  show(): void;
}

export function runView(feed: EventFeed<RunEvent>, start: RunStart, o: RunViewOptions): Listr {
  const rel = path.relative(process.cwd(), start.runDir) || start.runDir;
  const step = <T>(f: (e: RunEvent) => T | undefined) => feed.until(f);
  // A step's own event, its step-failed event, or the run's end, whichever comes first.
  const stepOrEnd = <T extends 'payload' | 'backend' | 'reports'>(type: T) =>
    step((e) =>
      e.type === type
        ? (e as Extract<RunEvent, { type: T }>)
        : (e.type === 'step-failed' && e.step === type) || e.type === 'run-end'
          ? e
          : undefined,
    );
  const hasWork = start.todo.length > 0;
  const tasks: ListrTask[] = [
    {
      title: `Run ${start.runId} → ${rel}: ${start.todo.length} cell(s) to run${start.done.length ? `, ${start.done.length} already done` : ''}`,
      task: () => undefined,
    },
  ];
  if (hasWork)
    tasks.push(
      ...fetchTasks(feed, (e) => (e.type === 'fetch' ? e.event : undefined)),
      {
        title: 'Build guest payload (BPF objects, static agent)',
        task: async (_c, task) => {
          const e = await stepOrEnd('payload');
          if (e?.type === 'step-failed') throw new Error(e.message);
          if (e?.type === 'payload') task.title = `Guest payload ${e.hash.slice(0, 12)}${e.rebuilt ? ` (${e.rebuilt})` : ''}`;
          else task.skip('not built');
        },
      },
      {
        title: 'Choose VM backend and accelerator',
        task: async (_c, task) => {
          const e = await stepOrEnd('backend');
          if (e?.type === 'step-failed') throw new Error(e.message);
          if (e?.type !== 'backend') return task.skip('not chosen');
          const emulated = e.emulatedTime ? ' (emulated: relative figures only)' : '';
          task.title = `Backend ${e.backend} (${e.backendReason}); accelerator ${e.accel}${emulated}: ${e.accelReason}; timing: ${e.timing}`;
        },
      },
      {
        title: start.dryRun ? 'Commands each cell would run' : 'Run cells',
        // (the title gains "(n at once)" and "done/total" once the engine says how it schedules them)
        task: async (_c, task) => {
          const e = await step((x) => (x.type === 'cells-start' || x.type === 'run-end' ? x : undefined));
          if (e?.type !== 'cells-start') return task.skip('no cell ran');
          const base = task.title;
          const tally: Tally = {
            done: 0,
            total: e.phases.reduce((n, p) => n + p.cells.length, 0),
            show: () => (task.title = `${base}: ${tally.done}/${tally.total} done`),
          };
          tally.show();
          // The engine runs the phases in this order, each this many at once: the display follows it.
          const phaseTasks: ListrTask[] = e.phases.map((p) => ({
            title:
              p.kind === 'vm'
                ? `VM cells (${p.concurrency} at once)`
                : 'Running-kernel cells (this host, one at a time, no VM beside them)',
            task: (_c1, t) =>
              t.newListr(
                p.cells.map((id) => cellTask(feed, id, start, o, tally)),
                { concurrent: p.concurrency, exitOnError: false },
              ),
          }));
          const only = e.phases.length === 1 ? e.phases[0] : undefined;
          if (only !== undefined) {
            return task.newListr(
              only.cells.map((id) => cellTask(feed, id, start, o, tally)),
              { concurrent: only.concurrency, exitOnError: false },
            );
          }
          return task.newListr(phaseTasks, { exitOnError: false });
        },
      },
    );
  if (!start.dryRun)
    tasks.push({
      title: 'Write reports',
      task: async (_c, task) => {
        const e = await stepOrEnd('reports');
        if (e?.type === 'step-failed') throw new Error(e.message);
        if (e?.type !== 'reports') return task.skip('interrupted or stopped before the reports');
        task.title = `Reports: ${e.files.map((f) => path.relative(process.cwd(), f)).join(', ')}`;
      },
    });
  return new Listr(tasks, { ...(o.listr as object), exitOnError: false } as never);
}

function cellTask(feed: EventFeed<RunEvent>, cellId: string, start: RunStart, o: RunViewOptions, tally: Tally): ListrTask {
  return {
    title: cellId,
    task: async (_c, sub) => {
      let started: number | undefined;
      const elapsed = () => (started === undefined ? '' : ` (${Math.round((Date.now() - started) / 1000)} s)`);
      const out = (text: string) => (sub.output = o.plain ? `${cellId}: ${text}` : text);
      const end = await feed.until((x) => {
        if (!('cellId' in x) || x.cellId !== cellId) return x.type === 'run-end' ? x : undefined;
        if (x.type === 'cell-start') started = Date.now();
        if (x.type === 'cell') {
          const ev = x.event;
          if (ev.type === 'phase') out(`${ev.phase}${elapsed()}`);
          else if (ev.type === 'progress') out(ev.text);
          else if (ev.type === 'console' && o.consoleLines) out(ev.line);
          return undefined;
        }
        return x.type === 'cell-start' ? undefined : x;
      });
      if (end?.type === 'cell-end') {
        tally.done += 1;
        tally.show();
      }
      switch (end?.type) {
        case 'cell-end':
          sub.title = `${cellId}: ${headline(end.result)}${elapsed()}`;
          if (end.result.status === 'skipped') return sub.skip(sub.title);
          if (end.result.status !== 'ok') throw new Error(sub.title);
          return;
        case 'cell-described':
          sub.title = `${cellId}: ${end.lines.length} command(s)`;
          return;
        case 'cell-not-run':
          return sub.skip(`${cellId}: ${end.reason}`);
        case 'cell-interrupted':
          // ✖, not a skip: the cell was cut off, its figures are missing.
          throw new Error(`${cellId}: interrupted${elapsed()} (rerun with --resume ${start.runId})`);
        default:
          return sub.skip(`${cellId}: not run`);
      }
    },
  };
}

/** The dry run's commands, for stdout once the display is done. */
export function dryRunLines(feed: EventFeed<RunEvent>, order: readonly string[]): Promise<string[]> {
  const lines = new Map<string, string[]>();
  return feed
    .until((e) => {
      if (e.type === 'cell-described') lines.set(e.cellId, e.lines);
      return e.type === 'run-end' ? true : undefined;
    })
    .then(() => order.flatMap((id) => (lines.has(id) ? [`# ${id}`, ...(lines.get(id) ?? [])] : [])));
}
