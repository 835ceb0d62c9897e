import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * A URL as our logs may show it: the values of credentials in the query (the signed tokens of
 * consent and unsubscribe links, keys) replaced, so a log never holds a working link.
 */
export function redactedUrl(url: string): string {
  return url.replace(/([?&](?:token|key|api_key|code|secret)=)[^&#]*/gi, '$1[redacted]');
}

/** Fastify's request serializer with the URL redacted (the logger's own serializers win over Fastify's). */
export const REDACTING_SERIALIZERS: LoggerOptions['serializers'] = {
  req: (request: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
    method: request.method, url: redactedUrl(request.url ?? ''), host: request.host ?? request.hostname, remoteAddress: request.ip, remotePort: request.socket?.remotePort,
  }),
};

/**
 * Structured JSON logs; with LOG_FORMAT=pretty (what `npm run dev` sets) readable lines from
 * pino-pretty, a dev dependency, in a worker thread of pino's transport.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', format = process.env.LOG_FORMAT): Logger {
  if (format === 'pretty') {
    return pino({ name, level, serializers: REDACTING_SERIALIZERS, transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ name, level, serializers: REDACTING_SERIALIZERS });
}

type TemporalLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Routes the Temporal SDK's own logs (worker, workflow, activity) into pino. */
export function temporalLoggerFor(log: Logger) {
  const write = (level: TemporalLogLevel, message: string, meta?: Record<string, unknown>) => {
    // The workflow bundler logs webpack's whole module listing at INFO on every start: debug detail.
    const shown = level === 'INFO' && /asset\s+\S*workflow-bundle/.test(message.slice(0, 100)) ? 'DEBUG' : level;
    log[shown.toLowerCase() as Lowercase<TemporalLogLevel>](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (message: string, meta?: Record<string, unknown>) => write('TRACE', message, meta),
    debug: (message: string, meta?: Record<string, unknown>) => write('DEBUG', message, meta),
    info: (message: string, meta?: Record<string, unknown>) => write('INFO', message, meta),
    warn: (message: string, meta?: Record<string, unknown>) => write('WARN', message, meta),
    error: (message: string, meta?: Record<string, unknown>) => write('ERROR', message, meta),
  };
}
