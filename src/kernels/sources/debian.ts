import type { KernelSourceDriver } from '../source.js';
import { err } from '../../util/result.js';

export const debianSourceDriver: KernelSourceDriver<'debian'> = {
  type: 'debian',
  resolve: async () => err('debian source: not implemented yet'),
  fetch: async () => err('debian source: not implemented yet'),
};
