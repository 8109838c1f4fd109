// The choices of matrix.json's runner, spelled once: the schema (schema.ts) validates with them, the CLI
// offers them as option choices, the engine's types follow them. Kept apart from schema.ts so that
// `--help` can list them without loading zod (test/integration/help-imports.test.ts).
export const ACCEL_REQUESTS = ['auto', 'kvm', 'tcg'] as const;
export type AccelRequest = (typeof ACCEL_REQUESTS)[number];

export const BACKEND_REQUESTS = ['auto', 'qemu', 'vng'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];

export const TIMING_REQUESTS = ['auto', 'icount', 'timed'] as const;
export type TimingRequest = (typeof TIMING_REQUESTS)[number];
