// Real agent streams of the development host's own kernel (test/fixtures/isolation/README.md), read into
// native cells as the run command would assemble them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fromAgentStream } from '../../src/cells/assemble.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import { cellResult, type CellResult } from '../../src/results/cell-result.js';
import { cellDoc } from './cell-doc.js';

/** A gzipped stream of test/fixtures/isolation, as text. */
export const isolationStream = (file: string): string =>
  gunzipSync(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'isolation', file))).toString('utf8');

/** The native host cell of a stream; `runId` tells replicates of separate runs apart. */
export function hostCell(text: string, runId = 'r'): CellResult {
  return cellResult.parse(
    cellDoc({
      cellId: 'host__host__test-run',
      runId,
      kernel: { id: 'host', sha256: 'x', source: 'running' },
      boot: { name: 'host', cmdline: '' },
      backend: 'native',
      accelerator: 'none',
      emulated: false,
      ...fromAgentStream(parseAgentOutput(text), undefined),
    }),
  );
}
