// A bulk worker in a process of its own (test/support/import-worker-process.ts), started and
// ready, so a test can SIGKILL it in the middle of a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export async function startBulkWorkerProcess({ databaseUrl, taskQueue, journeyQueue, env = {} }: { databaseUrl: string; taskQueue: string; journeyQueue: string; env?: Record<string, string> }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./import-worker-process.ts', import.meta.url))], {
    env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue, JOURNEY_QUEUE: journeyQueue, WORKFLOW_BUNDLE: inject('workflowBundle'), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}
