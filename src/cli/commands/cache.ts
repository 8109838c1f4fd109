import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { EXIT } from '../exit-codes.js';
import type { CacheEntry, Pin } from '../../engine/cache.js';
import { cacheRoot } from '../../util/paths.js';
import { UserError } from '../../util/result.js';
import { addCacheVerify } from './cache-verify.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// Loaded on use, not at the top: `--help` must stay light (bench/help-time.ts).
const deps = () => Promise.all([import('../../engine/cache.js'), import('../../util/format-bytes.js')]);

const pinText = (pins: readonly Pin[] | undefined) =>
  pins === undefined ? 'not pinned' : [...new Set(pins.map((p) => `${p.kernel} (${p.version})`))].join(', ');

export const defineCacheCommand: DefineCommand = (setExit) => {
  const cmd = new Command('cache').description(
    `the kernel cache, shared by every project of this user (${cacheRoot()}; TAILMATRIX_CACHE overrides)`,
  );
  cmd
    .command('ls')
    .description('list cached downloads, kernels and indexes: size, last use, and which kernel of which lockfile pins each')
    .option('-m, --matrix <file>', 'matrix whose lockfile is read besides the lockfiles the cache knows', 'matrix.json')
    .option('--json', 'one JSON object: entries (kind, key, bytes, lastUsed, pinnedBy [{kernel, version, lockfile}]) and totals')
    .action(async (opts: { matrix: string; json?: boolean }) => {
      const [{ listCache }, { formatBytes }] = await deps();
      const { root, entries, pins, lockfiles, unreadable, buildState: build } = await listCache(opts.matrix);
      // ls only shows: an unreadable lockfile is a warning here (prune refuses on it).
      for (const p of unreadable) process.stderr.write(`warning: cannot read a lockfile, its pins are not shown: ${p}\n`);
      const bytes = entries.reduce((s, e) => s + e.bytes, 0);
      if (opts.json) {
        const json = {
          root,
          entries: entries.map((e) => ({
            kind: e.kind,
            key: e.key,
            path: e.path,
            bytes: e.bytes,
            lastUsed: e.lastUsed.toISOString(),
            pinnedBy: pins.get(e.path) ?? [],
          })),
          totalBytes: bytes,
          lockfiles,
          buildState: build.length,
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        for (const e of entries) {
          const when = e.lastUsed.toISOString().slice(0, 16).replace('T', ' ');
          process.stdout.write(
            `${e.kind.padEnd(7)}  ${formatBytes(e.bytes).padStart(9)}  ${when}  ${pinText(pins.get(e.path)).padEnd(40)}  ${e.key}\n`,
          );
        }
        process.stdout.write(`${entries.length} entries, ${formatBytes(bytes)} in ${root}\n`);
        if (build.length > 0)
          process.stdout.write(
            `${build.length} build work trees/object dirs/logs (kept for incremental rebuilds; pruned by --older-than or --all)\n`,
          );
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
      const [{ pruneCache }, { formatBytes }] = await deps();
      const total = (es: readonly CacheEntry[]) => formatBytes(es.reduce((s, e) => s + e.bytes, 0));
      let olderThan: Date | undefined;
      if (opts.olderThan !== undefined) {
        const days = Number(opts.olderThan);
        if (!Number.isFinite(days) || days < 0) throw new UserError(`--older-than ${opts.olderThan}: expected a number of days`);
        olderThan = new Date(Date.now() - days * DAY_MS);
      }
      const pruned = await pruneCache({ matrixFile: opts.matrix, olderThan, all: opts.all, dryRun: opts.dryRun });
      if (!pruned.ok)
        throw new UserError(
          'cannot tell what these lockfiles pin, so nothing is removed (fix them, or use --all / --older-than):',
          pruned.error,
        );
      const { kept, pins, removed, inUse, buildRemoved } = pruned.value;
      if (kept.length > 0) {
        process.stdout.write(`keeping ${kept.length} pinned entries, ${total(kept)}:\n`);
        for (const e of kept)
          process.stdout.write(
            `  ${e.kind.padEnd(7)} ${formatBytes(e.bytes).padStart(9)}  ${pinText(pins.get(e.path))}  [${[...new Set(pins.get(e.path)!.map((p) => p.lockfile))].join(', ')}]\n`,
          );
      }
      if (opts.dryRun) {
        for (const e of removed) process.stdout.write(`  would remove ${e.kind.padEnd(7)} ${formatBytes(e.bytes).padStart(9)}  ${e.key}\n`);
        process.stdout.write(`would remove ${removed.length} entries, ${total(removed)}\n`);
      } else {
        process.stdout.write(`removed ${removed.length} entries, ${total(removed)}\n`);
        if (inUse.length > 0)
          process.stdout.write(`kept ${inUse.length} entries a running tailmatrix process uses: ${inUse.map((e) => e.key).join(', ')}\n`);
        if (buildRemoved !== undefined) process.stdout.write(`removed ${buildRemoved.length} build work trees/object dirs/logs\n`);
      }
      setExit(EXIT.ok);
    });
  addCacheVerify(cmd, setExit);
  return cmd;
};
