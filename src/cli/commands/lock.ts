import { Command } from 'commander';
import { withMatrixKernelOptions, withProgressOptions } from '../options.js';
import type { DefineCommand } from './define.js';
import { runFetch, type FetchCommandOptions } from './fetch.js';

export const defineLockCommand: DefineCommand = (setExit) =>
  withProgressOptions(
    withMatrixKernelOptions(
      new Command('lock').description('resolve moving kernel names (Debian meta packages, OCI tags) again and rewrite matrix.lock.json'),
    ),
  ).action(async (opts: FetchCommandOptions) => {
    setExit(await runFetch({ ...opts, lockOnly: true }));
  });
