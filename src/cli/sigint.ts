import { EXIT } from './exit-codes.js';

/**
 * Ctrl-C (or SIGTERM, or SIGHUP) once: abort the signal so the command stops its VMs and builds and keeps what
 * finished. Twice: leave at once (process groups are still killed on exit by src/util/exec.ts).
 */
export function abortOnSigint(message?: string): { signal: AbortSignal; unwire: () => void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    if (message) process.stderr.write(`\n${message} (press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal: stop the same way (a native cell puts the host's settings back on the way out).
  process.on('SIGHUP', onSignal);
  return {
    signal: controller.signal,
    unwire: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}
