// The workflow bundle, built once at build time so every worker runs the same code and starts
// without bundling (`workflowBundle` in workers/journey-worker.ts). Two bundles: without and
// with the OpenTelemetry workflow interceptors (a worker with traces on takes the second).
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { WORKFLOW_BUNDLES, workflowBundleOptions } from '../workers/journey-worker.js';

const require = createRequire(import.meta.url);
const outDir = process.argv[2] ?? 'dist';

for (const [file, workflowInterceptorModules] of [
  [WORKFLOW_BUNDLES.plain, []],
  [WORKFLOW_BUNDLES.traced, [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')]],
] as const) {
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions([...workflowInterceptorModules]), logger: new DefaultLogger('WARN') });
  await writeFile(`${outDir}/${file}`, code);
  console.log(`${outDir}/${file}: ${(code.length / 1024).toFixed(0)} KiB`);
}
