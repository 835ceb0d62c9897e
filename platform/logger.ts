import { pino, type Logger } from 'pino';

/** Structured JSON logs (pipe through `pino-pretty` to read them in a terminal). */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level });
}

type TemporalLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Routes the Temporal SDK's own logs (worker, workflow, activity) into pino. */
export function temporalLoggerFor(log: Logger) {
  const write = (level: TemporalLogLevel, message: string, meta?: Record<string, unknown>) =>
    log[level.toLowerCase() as Lowercase<TemporalLogLevel>](meta ?? {}, message);
  return {
    log: write,
    trace: (message: string, meta?: Record<string, unknown>) => write('TRACE', message, meta),
    debug: (message: string, meta?: Record<string, unknown>) => write('DEBUG', message, meta),
    info: (message: string, meta?: Record<string, unknown>) => write('INFO', message, meta),
    warn: (message: string, meta?: Record<string, unknown>) => write('WARN', message, meta),
    error: (message: string, meta?: Record<string, unknown>) => write('ERROR', message, meta),
  };
}
