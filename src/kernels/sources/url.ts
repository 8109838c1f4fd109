import type { KernelSourceDriver } from '../source.js';
import { err } from '../../util/result.js';

export const urlSourceDriver: KernelSourceDriver<'url'> = {
  type: 'url',
  resolve: async () => err('url source: not implemented yet'),
  fetch: async () => err('url source: not implemented yet'),
};
