import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { mkdirSync, writeFileSync } from 'node:fs';

export const HISTORY_FIXTURES = new URL('../fixtures/histories/', import.meta.url);

/**
 * With RECORD_HISTORIES=1 (`npm run record-histories`), saves a journey's real
 * history as a fixture that test/integration/replay.test.ts replays from then on.
 */
export async function recordHistoryFixture(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = JSON.parse(historyToJSON(await handle.fetchHistory()));
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(new URL(`${name}.json`, HISTORY_FIXTURES), JSON.stringify(history, null, 1) + '\n');
}
