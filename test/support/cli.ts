// Runs the CLI from the sources (no build step), as `node --import tsx test/support/cli.ts …`.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
