// What journeys cost Temporal, from real histories (issue 31, goal 2): the recorded fixtures in
// test/fixtures/histories/ are journeys run by the real worker on the servers the suite uses
// (`npm run record-histories`), their times the simulated ones (the time-skipping server). For
// each: events, billable actions as Temporal Cloud counts them (estimated from the history, see
// ACTIONS below), and visibility writes; then a new journey (its first workflow task) and a
// customer-year (histories that span months). Prints; nothing asserted.   npm run bench:cost
import { readdirSync, readFileSync } from 'node:fs';

interface HistoryEvent { eventType: string; eventTime: string; activityTaskStartedEventAttributes?: { attempt?: number } }

/**
 * Billable actions per history event (Temporal Cloud's "Actions": workflow started — also by
 * continue-as-new —, signal, update, activity started and each retry, timer, search attributes
 * and memo upserts). Local activities: all of one workflow task count once. Queries and
 * heartbeats leave no event and are not counted here.
 */
const ACTIONS: Record<string, number> = {
  EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: 1,
  EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: 1,
  EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: 1,
  EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: 1,
  EVENT_TYPE_TIMER_STARTED: 1,
  EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 1,
  EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED: 1,
  EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: 1,
};
/** Writes to the visibility store: the start, each upsert, the close. */
const VISIBILITY_WRITES = new Set([
  'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', 'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
]);

function cost(events: HistoryEvent[]) {
  let actions = 0;
  let localActivitiesThisTask = false;
  for (const e of events) {
    actions += ACTIONS[e.eventType] ?? 0;
    // A retried activity: each attempt after the first is another action.
    if (e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED') actions += Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
    if (e.eventType === 'EVENT_TYPE_MARKER_RECORDED' && !localActivitiesThisTask) {
      actions += 1;
      localActivitiesThisTask = true;
    }
    if (e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') localActivitiesThisTask = false;
  }
  const visibility = events.filter((e) => VISIBILITY_WRITES.has(e.eventType)).length;
  const days = (Date.parse(events.at(-1)!.eventTime) - Date.parse(events[0]!.eventTime)) / 86_400_000;
  return { events: events.length, actions, visibility, days };
}

/** The history up to the end of the next workflow task after the first one completed: what a new journey's arrival costs. */
function firstTask(events: HistoryEvent[]): HistoryEvent[] {
  const completed = events.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
  // Commands of the first task (the events it recorded) follow WorkflowTaskCompleted until the next task is scheduled.
  const next = events.findIndex((e, i) => i > completed && e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED');
  return events.slice(0, next === -1 ? events.length : next);
}

const dir = new URL('../test/fixtures/histories/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const rows = fixtures.map((file) => {
  const { events } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { events: HistoryEvent[] };
  return { file: file.replace(/\.json$/, ''), all: cost(events), first: cost(firstTask(events)) };
});

const pad = (x: string | number, n: number) => String(x).padStart(n);
console.log(`${'recorded journey'.padEnd(36)}${pad('events', 8)}${pad('actions', 9)}${pad('visib.', 8)}${pad('days', 8)}   first task: events / actions / visib.`);
for (const r of rows) {
  console.log(`${r.file.padEnd(36)}${pad(r.all.events, 8)}${pad(r.all.actions, 9)}${pad(r.all.visibility, 8)}${pad(r.all.days.toFixed(0), 8)}   ${r.first.events} / ${r.first.actions} / ${r.first.visibility}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const newJourney = { events: median(rows.map((r) => r.first.events)), actions: median(rows.map((r) => r.first.actions)), visibility: median(rows.map((r) => r.first.visibility)) };
console.log(`\na new journey (its first workflow task, median of ${rows.length}): ${newJourney.events} events, ${newJourney.actions} actions, ${newJourney.visibility} visibility writes (goals: ≤ 10 events, ≤ 6 actions)`);
const long = rows.filter((r) => r.all.days >= 180);
const perYear = long.map((r) => (r.all.actions / r.all.days) * 365);
console.log(`a customer-year (histories over 180 days: ${long.map((r) => r.file).join(', ')}): ${median(perYear).toFixed(1)} actions (range ${Math.min(...perYear).toFixed(1)}–${Math.max(...perYear).toFixed(1)}; goal ≤ 20)`);
