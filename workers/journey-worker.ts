import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { JOURNEY_TASK_QUEUE } from '../workflows/definitions.js';

/** The workflows' entry: TypeScript when run from source (tsx, tests), JavaScript when compiled. */
const workflowsEntry = (ext: 'ts' | 'js') => fileURLToPath(new URL(`../workflows/index.${ext}`, import.meta.url));
export const WORKFLOWS_PATH = existsSync(workflowsEntry('ts')) ? workflowsEntry('ts') : workflowsEntry('js');

/** The prebuilt workflow bundles `npm run build` writes to dist/ (scripts/bundle-workflows.ts). */
export const WORKFLOW_BUNDLES = { plain: 'workflow-bundle.js', traced: 'workflow-bundle-traced.js' } as const;

/**
 * The prebuilt bundle beside the compiled worker (dist/workflow-bundle*.js), if there is one: every
 * worker then runs the same code and starts without bundling. From source, none: the worker bundles.
 */
export function prebuiltWorkflowBundle(traced: boolean): string | null {
  const path = fileURLToPath(new URL(`../${traced ? WORKFLOW_BUNDLES.traced : WORKFLOW_BUNDLES.plain}`, import.meta.url));
  return existsSync(path) ? path : null;
}

/** The journey worker with its real activities; tests and the worker process share it. */
export async function createJourneyWorker(
  connection: NativeConnection,
  deps: ActivityDeps,
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  const { workflowBundle, ...rest } = options;
  return Worker.create({
    connection,
    taskQueue: JOURNEY_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    ...rest,
  });
}
