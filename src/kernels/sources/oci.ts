import type { KernelSourceDriver } from '../source.js';
import { err } from '../../util/result.js';

export const ociSourceDriver: KernelSourceDriver<'oci'> = {
  type: 'oci',
  resolve: async () => err('oci source: not implemented yet'),
  fetch: async () => err('oci source: not implemented yet'),
};
