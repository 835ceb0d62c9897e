// The workflow bundle, built once at build time so every worker runs the same code and starts
// without bundling (`workflowBundle` in workers/journey-worker.ts). Two bundles: without and
// with the OpenTelemetry workflow interceptors (a worker with traces on takes the second).
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_BUNDLES } from '../workers/journey-worker.js';

const require = createRequire(import.meta.url);
const outDir = process.argv[2] ?? 'dist';
const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

for (const [file, workflowInterceptorModules] of [
  [WORKFLOW_BUNDLES.plain, []],
  [WORKFLOW_BUNDLES.traced, [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')]],
] as const) {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [...workflowInterceptorModules], logger: new DefaultLogger('WARN') });
  await writeFile(`${outDir}/${file}`, code);
  console.log(`${outDir}/${file}: ${(code.length / 1024).toFixed(0)} KiB`);
}
