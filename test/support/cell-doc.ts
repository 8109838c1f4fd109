// A cell result document for tests: a plain emulated cell, whatever a test does not set.
export function cellDoc(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    cellId: 'c',
    runId: 'r',
    kernel: { id: 'k', sha256: 'x', source: 'test' },
    boot: { name: 'b', cmdline: '' },
    benchmark: { name: 'test-run', type: 'test-run', params: {} },
    backend: 'qemu',
    accelerator: 'tcg',
    emulated: true,
    status: 'ok',
    startedAt: '',
    finishedAt: '',
    wallMs: 0,
    consoleTail: [],
    host: { hostname: 'h', cpuModel: 'c', tool: 't' },
    ...over,
  };
}
