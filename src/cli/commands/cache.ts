import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { EXIT } from '../exit-codes.js';
import { KernelCache, type CacheEntry } from '../../kernels/cache.js';
import { formatBytes } from '../../kernels/progress.js';
import { isLockedBuild, referencedPaths } from '../../kernels/references.js';
import { lockPathFor, readLock } from '../../matrix/lock.js';
import { listBuildState, pruneBuildState } from '../../kernels/from-source/prune.js';
import { UserError } from '../../util/result.js';
import { addCacheVerify } from './cache-verify.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function table(entries: readonly CacheEntry[]): string {
  return entries
    .map((e) => `${e.kind.padEnd(7)}  ${formatBytes(e.bytes).padStart(9)}  ${e.lastUsed.toISOString().slice(0, 16).replace('T', ' ')}  ${e.key}`)
    .join('\n');
}

function total(entries: readonly CacheEntry[]): string {
  return formatBytes(entries.reduce((s, e) => s + e.bytes, 0));
}

export const defineCacheCommand: DefineCommand = (setExit) => {
  const cmd = new Command('cache').description(`the kernel cache (${KernelCache.fromEnv().root}; TAILMATRIX_CACHE overrides)`);
  cmd
    .command('ls')
    .description('list cached downloads, kernels and indexes with size and last use')
    .action(async () => {
      const cache = KernelCache.fromEnv();
      const entries = await cache.list();
      if (entries.length > 0) process.stdout.write(`${table(entries)}\n`);
      process.stdout.write(`${entries.length} entries, ${total(entries)} in ${cache.root}\n`);
      const build = await listBuildState(cache);
      if (build.length > 0) process.stdout.write(`${build.length} build work trees/object dirs/logs (kept for incremental rebuilds; pruned by --older-than or --all)\n`);
      setExit(EXIT.ok);
    });
  cmd
    .command('prune')
    .description('remove entries the lockfile does not pin (default), those unused for N days, or all')
    .option('-m, --matrix <file>', 'matrix whose lockfile says what to keep', 'matrix.json')
    .option('--older-than <days>', 'remove entries not used for this many days (pinned or not)')
    .option('--all', 'remove everything')
    .option('--dry-run', 'say what would go, remove nothing')
    .action(async (opts: { matrix: string; olderThan?: string; all?: boolean; dryRun?: boolean }) => {
      const cache = KernelCache.fromEnv();
      let keep = new Set<string>();
      let olderThan: Date | undefined;
      if (opts.olderThan !== undefined) {
        const days = Number(opts.olderThan);
        if (!Number.isFinite(days) || days < 0) throw new UserError(`--older-than ${opts.olderThan}: expected a number of days`);
        olderThan = new Date(Date.now() - days * DAY_MS);
      } else if (!opts.all) {
        const lock = await readLock(lockPathFor(opts.matrix));
        if (!lock.ok) throw new UserError('cannot read the lockfile:', lock.error);
        keep = referencedPaths(lock.value, cache);
        for (const e of await cache.list()) if (e.kind === 'kernels' && isLockedBuild(lock.value, e.key)) keep.add(e.path);
      }
      if (opts.dryRun) {
        const doomed = (await cache.list()).filter((e) => !keep.has(e.path) && (olderThan === undefined || e.lastUsed < olderThan));
        if (doomed.length > 0) process.stdout.write(`${table(doomed)}\n`);
        process.stdout.write(`would remove ${doomed.length} entries, ${total(doomed)}\n`);
      } else {
        const { removed, inUse } = await cache.prune({ keep, olderThan });
        process.stdout.write(`removed ${removed.length} entries, ${total(removed)}\n`);
        if (inUse.length > 0) process.stdout.write(`kept ${inUse.length} entries a running tailmatrix process uses: ${inUse.map((e) => e.key).join(', ')}\n`);
        // Build work trees make rebuilds incremental: only an age limit or --all removes them.
        if (opts.all || olderThan !== undefined) {
          const build = await pruneBuildState(cache, olderThan);
          process.stdout.write(`removed ${build.length} build work trees/object dirs/logs\n`);
        }
      }
      setExit(EXIT.ok);
    });
  addCacheVerify(cmd, setExit);
  return cmd;
};
