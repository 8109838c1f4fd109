// The options `bisect` and `check` share: which figure (metric, benchmark, boot configuration), the
// rule (threshold, repeat cap) and where the cell runs (matrix, accelerator, backend).
import { Option, type Command } from 'commander';
import { DEFAULT_REPEAT_CAP, isMetric, METRICS, type Metric } from '../bisect/choices.js';
import type { Matrix } from '../matrix/schema.js';
import { ACCEL_REQUESTS, BACKEND_REQUESTS, type AccelRequest, type BackendRequest } from '../matrix/runner-choices.js';
import { err, ok, type Result } from '../util/result.js';

export interface MetricCommandOptions {
  metric: string;
  threshold?: string;
  bench?: string;
  boot?: string;
  repeatCap?: string;
  /** Absent: ./matrix.json when there is one, else the built-in default (src/bisect/default-matrix.ts). */
  matrix?: string;
  accel?: AccelRequest;
  backend?: BackendRequest;
}

interface MetricChoice {
  metric: Metric;
  threshold?: number;
  bench?: string;
  boot?: string;
  repeatCap: number;
  /** The matrix's runner with --accel / --backend applied. */
  runnerOverrides: (m: Matrix) => Matrix;
}

export function withMetricOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--metric <metric>',
        "the figure watched: direct, indirect, or saving (indirect − direct) per tail call; strategy:<name>, one strategy's cost per transfer (a strategies benchmark)",
      )
        .choices([...METRICS])
        .makeOptionMandatory(),
    )
    .option(
      '--threshold <x>',
      "in the metric's unit (ns, or instructions with instruction counting); bad is above it for direct/indirect, below it for saving",
    )
    .option('--bench <name>', 'benchmark of the matrix (default: the first)')
    .option('--boot <name>', 'boot configuration of the matrix (default: the first)')
    .option('--repeat-cap <n>', 'most runs of one commit while a timed figure straddles the threshold', String(DEFAULT_REPEAT_CAP))
    .option(
      '-m, --matrix <file>',
      'matrix file (benchmarks, boots, runner); default: ./matrix.json, or without one the built-in default (boot retpoline, benchmark test-run)',
    )
    .addOption(new Option('--accel <accel>', 'accelerator; auto probes KVM by booting').choices(ACCEL_REQUESTS))
    .addOption(new Option('--backend <backend>', 'VM backend').choices(BACKEND_REQUESTS));
}

export function parseMetricOptions(o: MetricCommandOptions): Result<MetricChoice, string> {
  if (!isMetric(o.metric)) return err(`--metric ${o.metric}: expected one of ${METRICS.join(', ')}`);
  const threshold = o.threshold !== undefined ? Number(o.threshold) : undefined;
  if (threshold !== undefined && !Number.isFinite(threshold))
    return err(`--threshold ${o.threshold}: expected a number in the metric's unit`);
  const repeatCap = Number(o.repeatCap ?? DEFAULT_REPEAT_CAP);
  if (!Number.isInteger(repeatCap) || repeatCap < 1) return err(`--repeat-cap ${o.repeatCap}: expected a whole number ≥ 1`);
  const overrides = { ...(o.accel ? { accel: o.accel } : {}), ...(o.backend ? { backend: o.backend } : {}) };
  return ok({
    metric: o.metric,
    threshold,
    bench: o.bench,
    boot: o.boot,
    repeatCap,
    runnerOverrides: (m) => ({ ...m, runner: { ...m.runner, ...overrides } }),
  });
}
