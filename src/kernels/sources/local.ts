import type { KernelSourceDriver } from '../source.js';
import { err } from '../../util/result.js';

export const localSourceDriver: KernelSourceDriver<'local'> = {
  type: 'local',
  resolve: async () => err('local source: not implemented yet'),
  fetch: async () => err('local source: not implemented yet'),
};
