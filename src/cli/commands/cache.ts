import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { EXIT } from '../exit-codes.js';
import type { CacheEntry } from '../../kernels/cache.js';
import type { Pin } from '../cache-pins.js';
import { cacheRoot } from '../../util/paths.js';
import { UserError } from '../../util/result.js';
import { addCacheVerify } from './cache-verify.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// Loaded on use, not at the top: `--help` must stay light (bench/help-time.ts).
const deps = () =>
  Promise.all([import('../../kernels/cache.js'), import('../../kernels/progress.js'), import('../../matrix/lock.js'), import('../../kernels/from-source/prune.js'), import('../cache-pins.js')]);

const pinText = (pins: readonly Pin[] | undefined) => (pins === undefined ? 'not pinned' : [...new Set(pins.map((p) => `${p.kernel} (${p.version})`))].join(', '));

export const defineCacheCommand: DefineCommand = (setExit) => {
  const cmd = new Command('cache').description(`the kernel cache, shared by every project of this user (${cacheRoot()}; TAILMATRIX_CACHE overrides)`);
  cmd
    .command('ls')
    .description('list cached downloads, kernels and indexes: size, last use, and which kernel of which lockfile pins each')
    .option('-m, --matrix <file>', "matrix whose lockfile is read besides the lockfiles the cache knows", 'matrix.json')
    .option('--json', 'one JSON object: entries (kind, key, bytes, lastUsed, pinnedBy [{kernel, version, lockfile}]) and totals')
    .action(async (opts: { matrix: string; json?: boolean }) => {
      const [{ KernelCache }, { formatBytes }, { lockPathFor }, { listBuildState }, { knownLockfiles, pinsByPath }] = await deps();
      const cache = KernelCache.fromEnv();
      const entries = await cache.list();
      const locks = await knownLockfiles(cache, [lockPathFor(opts.matrix)]);
      // ls only shows: an unreadable lockfile is a warning here (prune refuses on it).
      if (!locks.ok) for (const p of locks.error) process.stderr.write(`warning: cannot read a lockfile, its pins are not shown: ${p}\n`);
      const pins = pinsByPath(locks.ok ? locks.value : [], cache, entries);
      const build = await listBuildState(cache);
      const bytes = entries.reduce((s, e) => s + e.bytes, 0);
      if (opts.json) {
        const json = {
          root: cache.root,
          entries: entries.map((e) => ({ kind: e.kind, key: e.key, path: e.path, bytes: e.bytes, lastUsed: e.lastUsed.toISOString(), pinnedBy: pins.get(e.path) ?? [] })),
          totalBytes: bytes,
          lockfiles: locks.ok ? locks.value.map((l) => l.file) : [],
          buildState: build.length,
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        for (const e of entries) {
          const when = e.lastUsed.toISOString().slice(0, 16).replace('T', ' ');
          process.stdout.write(`${e.kind.padEnd(7)}  ${formatBytes(e.bytes).padStart(9)}  ${when}  ${pinText(pins.get(e.path)).padEnd(40)}  ${e.key}\n`);
        }
        process.stdout.write(`${entries.length} entries, ${formatBytes(bytes)} in ${cache.root}\n`);
        if (build.length > 0) process.stdout.write(`${build.length} build work trees/object dirs/logs (kept for incremental rebuilds; pruned by --older-than or --all)\n`);
      }
      setExit(EXIT.ok);
    });
  cmd
    .command('prune')
    .description('remove entries that no lockfile known to the cache pins (default), those unused for N days, or all')
    .option('-m, --matrix <file>', 'matrix whose lockfile is read besides the lockfiles the cache knows', 'matrix.json')
    .option('--older-than <days>', 'remove entries not used for this many days (pinned or not)')
    .option('--all', 'remove everything, whatever pins it')
    .option('--dry-run', 'say what would go, remove nothing')
    .action(async (opts: { matrix: string; olderThan?: string; all?: boolean; dryRun?: boolean }) => {
      const [{ KernelCache }, { formatBytes }, { lockPathFor }, { pruneBuildState }, { knownLockfiles, pinsByPath }] = await deps();
      const total = (es: readonly CacheEntry[]) => formatBytes(es.reduce((s, e) => s + e.bytes, 0));
      const cache = KernelCache.fromEnv();
      let olderThan: Date | undefined;
      let pins = new Map<string, Pin[]>();
      if (opts.olderThan !== undefined) {
        const days = Number(opts.olderThan);
        if (!Number.isFinite(days) || days < 0) throw new UserError(`--older-than ${opts.olderThan}: expected a number of days`);
        olderThan = new Date(Date.now() - days * DAY_MS);
      } else if (!opts.all) {
        // The cache is shared: what another project's lockfile pins is that project's, not garbage.
        const locks = await knownLockfiles(cache, [lockPathFor(opts.matrix)]);
        if (!locks.ok) throw new UserError('cannot tell what these lockfiles pin, so nothing is removed (fix them, or use --all / --older-than):', locks.error);
        pins = pinsByPath(locks.value, cache, await cache.list());
      }
      const all = await cache.list();
      const kept = all.filter((e) => pins.has(e.path));
      if (kept.length > 0) {
        process.stdout.write(`keeping ${kept.length} pinned entries, ${total(kept)}:\n`);
        for (const e of kept) process.stdout.write(`  ${e.kind.padEnd(7)} ${formatBytes(e.bytes).padStart(9)}  ${pinText(pins.get(e.path))}  [${[...new Set(pins.get(e.path)!.map((p) => p.lockfile))].join(', ')}]\n`);
      }
      const keep = new Set(kept.map((e) => e.path));
      if (opts.dryRun) {
        const doomed = all.filter((e) => !keep.has(e.path) && (olderThan === undefined || e.lastUsed < olderThan));
        for (const e of doomed) process.stdout.write(`  would remove ${e.kind.padEnd(7)} ${formatBytes(e.bytes).padStart(9)}  ${e.key}\n`);
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
