import { createReadModelActivities, type ReadModelDeps } from './journey-read-model.js';

export type ActivityDeps = ReadModelDeps;

/** Every activity the journey worker registers, built from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createReadModelActivities(deps),
  };
}

export type JourneyActivities = ReturnType<typeof createActivities>;
