import { defineRunCommand } from './run.js';
import { definePlanCommand } from './plan.js';
import { defineReport } from './report.js';
import { defineFetchCommand } from './fetch.js';
import { defineLockCommand } from './lock.js';
import { defineDoctorCommand } from './doctor.js';
import { defineCacheCommand } from './cache.js';
import { defineBuildCommand } from './build.js';
import { defineSetupCommand } from './setup.js';
import { defineBisectCommand } from './bisect.js';
import { defineCheckCommand } from './check.js';
import type { DefineCommand } from './define.js';

// One line per command; the order is the order of `tailmatrix --help`.
export const commands: DefineCommand[] = [
  defineRunCommand,
  definePlanCommand,
  defineReport,
  defineFetchCommand,
  defineBuildCommand,
  defineBisectCommand,
  defineCheckCommand,
  defineLockCommand,
  defineCacheCommand,
  defineDoctorCommand,
  defineSetupCommand,
];
