// The one place that picks how listr2 shows progress (as lint-staged's getRenderer does):
// quiet → nothing; --verbose, CI, a dumb terminal or no TTY (a log file) → plain lines, one per event;
// otherwise the live, redrawing renderer.
import { ListrLogger, ProcessOutput, type ListrLogLevels } from 'listr2';
type RendererName = 'silent' | 'verbose' | 'default';

interface RendererChoice {
  quiet?: boolean;
  verbose?: boolean;
  env: NodeJS.ProcessEnv;
  /** The stream progress goes to (stderr); its isTTY decides between live and plain. */
  stream: { isTTY?: boolean };
}

/** CI systems set CI=true (GitHub Actions, GitLab, Buildkite …); "0"/"false" mean a developer unset it. */
function isCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function chooseRenderer(o: RendererChoice): RendererName {
  if (o.quiet) return 'silent';
  if (o.verbose || isCi(o.env) || o.env.TERM === 'dumb' || !o.stream.isTTY) return 'verbose';
  return 'default';
}

/**
 * Renderer options that send all progress to stderr, so stdout carries only results (kernel paths,
 * JSON) for scripts. Pass as `rendererOptions` (any renderer ignores what it does not use).
 */
function progressToStderr(): { processOutput: ProcessOutput; logger: ListrLogger<ListrLogLevels> } {
  const processOutput = new ProcessOutput(process.stderr, process.stderr);
  return { processOutput, logger: new ListrLogger({ useIcons: false, processOutput }) };
}

/**
 * The listr2 options every command uses: renderer chosen above, progress on stderr, Ctrl-C handled by
 * the command itself (it must stop VMs and keep finished cells, not exit at once).
 */
export function listrOptions(o: RendererChoice & { exitOnError?: boolean }): never {
  // listr2 types its options by renderer; the renderer is chosen at run time, so the generic is erased.
  return {
    renderer: chooseRenderer(o),
    exitOnError: o.exitOnError ?? true,
    registerSignalListeners: false,
    rendererOptions: { ...progressToStderr(), collapseSubtasks: false },
  } as never;
}
