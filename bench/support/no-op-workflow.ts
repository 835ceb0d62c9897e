// The floor for dealer actions (bench/actions.ts): a workflow that answers an Update from
// memory and does nothing else, so its round trip is the server's and the SDK's alone.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const pingUpdate = defineUpdate<number, [number]>('ping');

export async function noOp(): Promise<void> {
  setHandler(pingUpdate, (n) => n);
  await condition(() => false);
}
