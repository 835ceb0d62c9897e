import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs; with LOG_FORMAT=pretty (what `npm run dev` sets) readable lines from
 * pino-pretty, a dev dependency, in a worker thread of pino's transport.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', format = process.env.LOG_FORMAT): Logger {
  if (format === 'pretty') {
    return pino({ name, level, transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ name, level });
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
