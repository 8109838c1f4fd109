// The one place that picks how listr2 shows progress (as lint-staged's getRenderer does):
// quiet → nothing; --verbose, CI, a dumb terminal or no TTY (a log file) → plain lines, one per event;
// otherwise the live, redrawing renderer.
export type RendererName = 'silent' | 'verbose' | 'default';

export interface RendererChoice {
  quiet?: boolean;
  verbose?: boolean;
  env: NodeJS.ProcessEnv;
  /** The stream progress goes to (stderr); its isTTY decides between live and plain. */
  stream: { isTTY?: boolean };
}

/** CI systems set CI=true (GitHub Actions, GitLab, Buildkite …); "0"/"false" mean a developer unset it. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function chooseRenderer(o: RendererChoice): RendererName {
  if (o.quiet) return 'silent';
  if (o.verbose || isCi(o.env) || o.env.TERM === 'dumb' || !o.stream.isTTY) return 'verbose';
  return 'default';
}
