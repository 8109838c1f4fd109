import { Command } from 'commander';
import { collectList } from '../options.js';
import type { DefineCommand } from './index.js';
import { ALLOW_UNSIGNED_HELP, runFetch, type FetchCommandOptions } from './fetch.js';


export const defineLockCommand: DefineCommand = (setExit) =>
  new Command('lock')
    .description('resolve moving kernel names (Debian meta packages, OCI tags) again and rewrite matrix.lock.json')
    .option('-m, --matrix <file>', 'matrix file', 'matrix.json')
    .option('--kernel <id>', 'only these kernels (repeatable, comma-separated)', collectList, [])
    .option('--allow-unsigned', ALLOW_UNSIGNED_HELP)
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', 'plain line-by-line progress')
    .action(async (opts: FetchCommandOptions) => {
      setExit(await runFetch({ ...opts, lockOnly: true }));
    });
