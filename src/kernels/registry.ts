// The one place that knows every kernel source driver: a source type → its driver. Drivers import only
// the types in ./source.ts, so this map can import them all without a cycle.
import type { KernelSource } from '../matrix/schema.js';
import { buildSourceDriver } from './from-source/index.js';
import type { KernelSourceDriver } from './source.js';
import { debianSourceDriver } from './sources/debian.js';
import { localSourceDriver } from './sources/local.js';
import { ociSourceDriver } from './sources/oci.js';
import { urlSourceDriver } from './sources/url.js';
import { runningSourceDriver } from './sources/running.js';

type DriverMap = { [T in KernelSource['type']]: KernelSourceDriver<T> };

const drivers: DriverMap = {
  debian: debianSourceDriver,
  url: urlSourceDriver,
  local: localSourceDriver,
  oci: ociSourceDriver,
  build: buildSourceDriver,
  running: runningSourceDriver,
};

export function getSourceDriver<T extends KernelSource['type']>(type: T): KernelSourceDriver<T> {
  return drivers[type] as KernelSourceDriver<T>;
}
