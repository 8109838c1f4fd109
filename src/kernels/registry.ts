// The one place that knows every kernel source driver: a source type → its driver. Drivers import only
// the types in ./source.ts, so this map can import them all without a cycle.
import type { Kernel, KernelSource } from '../matrix/schema.js';
import type { ResolvedKernel } from '../matrix/lock.js';
import { buildSourceDriver } from './from-source/index.js';
import { badInput, type KernelSourceDriver, type ResolvedOf, type SourceContext, type SourceFailure } from './source.js';
import type { DriverKernel } from './types.js';
import { err, type Result } from '../util/result.js';
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

type SourceType = KernelSource['type'];

/** A kernel's driver, bound to that kernel: the caller never has to match a source with its driver. */
interface KernelDriver {
  resolve(ctx: SourceContext): Promise<Result<ResolvedKernel, SourceFailure>>;
  /** Refuses a lock entry of another source type (a lock edited by hand) as bad input. */
  fetch(resolved: ResolvedKernel, ctx: SourceContext): Promise<Result<DriverKernel, SourceFailure>>;
}

// Type predicates, not casts: each checks the one field that tells the members of the union apart.
const isSourceOf = <T extends SourceType>(s: KernelSource, type: T): s is Extract<KernelSource, { type: T }> => s.type === type;
const isResolvedOf = <T extends SourceType>(r: ResolvedKernel, type: T): r is ResolvedOf<T> => r.type === type;

function bind<T extends SourceType>(type: T, kernel: Kernel): KernelDriver {
  const driver: KernelSourceDriver<T> = drivers[type];
  const source = kernel.source;
  if (!isSourceOf(source, type)) throw new Error(`kernel ${kernel.id}: a ${source.type} source bound to the ${type} driver`);
  const typed = { ...kernel, source };
  return {
    resolve: (ctx) => driver.resolve(typed, ctx),
    fetch: async (resolved, ctx) =>
      isResolvedOf(resolved, type)
        ? driver.fetch(typed, resolved, ctx)
        : err(badInput(`the lock entry is of type ${resolved.type}, the source of type ${type}: run \`tailmatrix lock\``)),
  };
}

export function driverFor(kernel: Kernel): KernelDriver {
  return bind(kernel.source.type, kernel);
}
