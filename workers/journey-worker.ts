import { bundleWorkflowCode, NativeConnection, Worker, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { TASK_QUEUE_KINDS, taskQueuesOf, type TaskQueueKind } from '../platform/task-queues.js';
import { JOURNEY_TASK_QUEUE } from '../workflows/definitions.js';

/** The workflows' entry: TypeScript when run from source (tsx, tests), JavaScript when compiled. */
const workflowsEntry = (ext: 'ts' | 'js') => fileURLToPath(new URL(`../workflows/index.${ext}`, import.meta.url));
export const WORKFLOWS_PATH = existsSync(workflowsEntry('ts')) ? workflowsEntry('ts') : workflowsEntry('js');

/**
 * The pure rules the workflows import from domain/ (and, through them, every domain module and
 * library they use: luxon). Preloaded, they are evaluated once per worker thread and shared by every
 * workflow in its V8 context; otherwise each cached workflow evaluates and holds its own copy of each
 * (most of a cached journey's memory, and of a new journey's first task). Safe because domain/ keeps
 * no state in a module (test/unit/preloaded-modules.test.ts; the replayed histories run with them).
 */
export function workflowPreloadedModules(): string[] {
  const workflowsDir = dirname(WORKFLOWS_PATH);
  const ext = WORKFLOWS_PATH.endsWith('.ts') ? 'ts' : 'js';
  const imported = new Set<string>();
  for (const file of readdirSync(workflowsDir).filter((f) => f.endsWith(`.${ext}`))) {
    for (const [, module] of readFileSync(join(workflowsDir, file), 'utf8').matchAll(/from '\.\.\/domain\/([\w/-]+)\.js'/g)) imported.add(module!);
  }
  return [...imported].sort().map((module) => join(workflowsDir, '..', 'domain', `${module}.${ext}`));
}

/** A worker's (or a replayer's) workflows from source, bundled by the SDK with the modules preloaded. */
export function workflowsFromSource(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  return { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: workflowPreloadedModules() } };
}

/** How every workflow bundle is made (the worker's, the prebuilt ones, the tests'). */
export function workflowBundleOptions(workflowInterceptorModules: string[] = []): BundleOptions {
  return { workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules, preloadModules: workflowPreloadedModules() };
}

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

/**
 * Each kind's slots. Journeys: the SDK's defaults (or the operator's, WORKER_MAX_*). Bulk work takes
 * a few tasks at a time: each import or match-back works through its file in chunks, and what it
 * starts (journeys) is the journeys' work. Deliveries mostly wait on dealers' servers: many at
 * once, little CPU each.
 */
export const SLOTS_BY_KIND: Record<TaskQueueKind, Partial<WorkerOptions>> = {
  journeys: {},
  bulk: { maxConcurrentWorkflowTaskExecutions: 4, maxConcurrentActivityTaskExecutions: 4, maxCachedWorkflows: 100 },
  deliveries: { maxConcurrentWorkflowTaskExecutions: 10, maxConcurrentActivityTaskExecutions: 50, maxCachedWorkflows: 500 },
};

/** One process's workers, one per kind of work it takes; run, stopped and awaited together like one Worker. */
export interface Workers {
  readonly taskQueues: Partial<Record<TaskQueueKind, string>>;
  run(): Promise<void>;
  /** Starts a graceful shutdown of every worker still running. */
  shutdown(): void;
  /** Runs the workers until `work` settles, then shuts them down and waits for them. */
  runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R>;
}

/**
 * The workers with their real activities, one per kind (all three unless `kinds` says otherwise),
 * on the task queues of the journeys' queue `options.taskQueue`; tests and the worker process share it.
 * `options` apply to every kind (connection settings, bundle, interceptors); `slots` per kind
 * override SLOTS_BY_KIND.
 */
export async function createWorkers(
  connection: NativeConnection,
  deps: ActivityDeps,
  options: Partial<WorkerOptions> & { kinds?: readonly TaskQueueKind[]; slots?: Partial<Record<TaskQueueKind, Partial<WorkerOptions>>> } = {},
): Promise<Workers> {
  const { workflowBundle, kinds = TASK_QUEUE_KINDS, slots = {}, taskQueue = JOURNEY_TASK_QUEUE, ...rest } = options;
  const queues = taskQueuesOf(taskQueue);
  const activities = createActivities(deps);
  // From source with several kinds: bundle once (with the interceptors' workflow modules), not per worker.
  const bundle = workflowBundle ?? (kinds.length > 1
    ? { code: (await bundleWorkflowCode(workflowBundleOptions(rest.interceptors?.workflowModules))).code }
    : null);
  if (bundle && !workflowBundle && rest.interceptors) rest.interceptors = { ...rest.interceptors, workflowModules: [] };
  const workers = await Promise.all(kinds.map((kind) => Worker.create({
    connection,
    ...(bundle ? { workflowBundle: bundle } : workflowsFromSource()),
    activities,
    ...SLOTS_BY_KIND[kind],
    ...rest,
    ...slots[kind],
    taskQueue: queues[kind],
  })));
  const shutdown = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  const run = async () => {
    // One failing stops the others: a process never keeps taking some kinds of work and not the rest.
    await Promise.all(workers.map((worker) => worker.run().catch((error: unknown) => {
      shutdown();
      throw error;
    })));
  };
  return {
    taskQueues: Object.fromEntries(kinds.map((kind) => [kind, queues[kind]])),
    run,
    shutdown,
    async runUntil(work) {
      const running = run();
      try {
        return await Promise.race([
          typeof work === 'function' ? work() : work,
          running.then(() => { throw new Error('the workers stopped before the work was done'); }),
        ]);
      } finally {
        shutdown();
        // A worker's failure has been thrown by the race above already.
        await running.catch(() => undefined);
      }
    },
  };
}
