// OpenTelemetry traces from the HTTP request through signal-with-start into the journey and
// its activities: on when the standard OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is
// set, off otherwise (OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off too).
// Spans go out by OTLP over HTTP; the exporter reads the other OTEL_* variables itself.
// Temporal's own interceptors (@temporalio/interceptors-opentelemetry) carry the context in
// the calls' headers: client → workflow → activities.
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Sends what is buffered (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Registers the process's tracer provider (service name from OTEL_SERVICE_NAME, else `serviceName`); null when tracing is off. */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  if (!tracingEnabled(env)) return null;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register(); // the AsyncLocalStorage context manager and the W3C trace-context propagator
  return {
    resource, spanProcessor, flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      // The process's globals go with it: code that runs after (a test file in the same worker) traces nothing.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The Temporal client's part: starts, signals and updates carry the caller's trace. */
export function clientTracing(tracing: Tracing | null): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

const require = createRequire(import.meta.url);

/** The worker's part: spans for workflows (exported through a sink, as workflow code cannot do I/O) and activities. */
export function workerTracing(tracing: Tracing | null): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  return {
    interceptors: {
      workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
