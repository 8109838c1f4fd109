// Placeholder until the build driver lands (owned by another engineer): it only reports that it is missing.
import type { KernelSourceDriver } from '../source.js';
import { err } from '../../util/result.js';

export const buildSourceDriver: KernelSourceDriver<'build'> = {
  type: 'build',
  resolve: async () => err('build source not implemented'),
  fetch: async () => err('build source not implemented'),
};
