// A cell re-derived from its kept raw agent stream is the stored cell (a real run, test/fixtures/results/
// raw-stream), and a stream that is not the sweep its seed gives, or holds nothing, is refused.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../../src/engine/report.js';
import { readAgentStream, readRunDir } from '../../src/results/load.js';
import { rederiveCell } from '../../src/cells/rederive.js';

const RUN = path.join(import.meta.dirname, '..', 'fixtures', 'results', 'raw-stream', '2026-12-07T02-50-56Z-922155');

describe('rederiveCell on a real run', async () => {
  const { cells, problems } = await readRunDir(RUN);

  it('has both cells and no bad file', () => {
    expect(problems).toEqual([]);
    expect(cells.map((c) => c.cell.boot.name).sort()).toEqual(['mitigations-off', 'retpoline']);
  });

  it.each(cells.map((c) => [c.cell.cellId, c.cell] as const))(
    '%s: re-derived from its stream equals the stored cell',
    async (cellId, cell) => {
      const stream = await readAgentStream(RUN, cellId);
      expect(stream.ok).toBe(true);
      if (!stream.ok) return;
      expect(cell.sweep?.order).toBe('interleaved');
      expect(cell.figureKind).toBe('instructions');
      const again = rederiveCell(cell, stream.value);
      expect(again).toEqual({ ok: true, value: cell });
    },
  );

  it('refuses a stream whose samples are not in the order its seed gives', async () => {
    const cell = cells[0]!.cell;
    const stream = await readAgentStream(RUN, cell.cellId);
    if (!stream.ok) throw new Error(stream.error);
    const lines = stream.value.split('\n');
    const first = lines.findIndex((l) => l.includes('"type":"sample"'));
    // Move the first sample block's first record to the end of the samples: another order.
    const moved = [...lines.slice(0, first), ...lines.slice(first + 1, -2), lines[first]!, ...lines.slice(-2)];
    const res = rederiveCell(cell, moved.join('\n'));
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error).toMatch(new RegExp(`^cell ${cell.cellId}: samples out of the order seed ${cell.sweep!.seed} gives`));
  });

  it('refuses a stream with no records, and says which raw file is missing', async () => {
    const cell = cells[0]!.cell;
    expect(rederiveCell(cell, 'console noise only\n')).toEqual({
      ok: false,
      error: `cell ${cell.cellId}: the raw stream holds no agent records`,
    });
    const missing = await readAgentStream(RUN, 'no-such-cell');
    expect(!missing.ok && missing.error).toMatch(/raw\/no-such-cell\.agent\.jsonl\.gz: no raw agent stream for cell no-such-cell/);
  });
});

describe('writeReports with rederive (tailmatrix report --rederive)', () => {
  it('gives the same summary from the raw streams as from the stored cells', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-rederive-'));
    try {
      const stored = await writeReports({ resultDirs: [RUN], outDir: out, formats: ['json'] });
      const again = await writeReports({ resultDirs: [RUN], outDir: out, formats: ['json'], rederive: true });
      expect(stored.ok && again.ok).toBe(true);
      if (!stored.ok || !again.ok) return;
      expect(again.value.summary.cells).toHaveLength(2);
      expect(again.value.summary).toEqual(stored.value.summary);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('refuses cells that have samples but no kept stream (a run from before streams were kept), naming them', async () => {
    const old = path.join(import.meta.dirname, '..', 'fixtures', 'results', 'real');
    const res = await writeReports({ resultDirs: [old], outDir: os.tmpdir(), formats: [], rederive: true });
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error).toMatch(
      /raw\/6\.1-cloud__retpoline__test-run\.agent\.jsonl\.gz: no raw agent stream for cell 6\.1-cloud__retpoline__test-run .*; report without --rederive to use the stored cell/,
    );
  });
});
