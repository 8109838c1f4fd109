// `tailmatrix cache verify [--remove]`: kept in its own file (src/cli/commands/cache.ts only adds it).
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

export function addCacheVerify(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .command('verify')
    .description('check every cached download and extracted kernel against the hashes recorded when it was verified')
    .option('--remove', 'remove the broken entries, pinned or not (fetched or unpacked again on next use)')
    .action(async (opts: { remove?: boolean }) => {
      // Loaded here, not at the top: `--help` must not pay for the cache and its hashing (bench/help-time.ts).
      const { verifyKernelCache } = await import('../../engine/cache.js');
      const r = await verifyKernelCache({ remove: opts.remove });
      for (const b of r.broken) process.stdout.write(`broken ${b.kind} ${b.key}: ${b.why}\n`);
      if (r.broken.length === 0) {
        process.stdout.write(`${r.checked} entries verified in ${r.root}, none broken\n`);
        setExit(EXIT.ok);
        return;
      }
      if (r.removed) {
        process.stdout.write(`${r.broken.length} of ${r.checked} entries broken, removed (the next run fetches or unpacks them again)\n`);
        setExit(EXIT.ok);
        return;
      }
      process.stdout.write(
        `${r.broken.length} of ${r.checked} entries broken; \`tailmatrix cache verify --remove\` removes them, pinned or not\n`,
      );
      setExit(EXIT.unavailable);
    });
}
