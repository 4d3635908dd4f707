/**
 * Structured JSON logs (pino, one object per line on stdout) with every OpenTrain token and bearer value
 * masked by `redactSecrets`, whatever field it hides in, and the adapter that routes the Temporal SDK's
 * logs (worker, workflow `log`, activity `log`, and the Rust core when forwarded) into the same stream.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { redactSecrets } from '../opentrain/redact';

export type AppLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** A JSON-safe copy with every string redacted; Errors keep their name, message and stack (redacted). */
export function sanitizeForLog(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth limit]';
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const extra = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sanitizeForLog(v, depth + 1)]));
    const cause = (value as { cause?: unknown }).cause;
    return {
      ...extra,
      type: name,
      message: redactSecrets(message),
      stack: stack && redactSecrets(stack),
      ...(cause === undefined ? {} : { cause: sanitizeForLog(cause, depth + 1) }),
    };
  }
  if (Array.isArray(value)) return value.map((item) => sanitizeForLog(item, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k), sanitizeForLog(v, depth + 1)]));
}

/** The process logger: JSON lines, ISO time, level names, secrets redacted in messages and fields. */
export function createLogger(options: { level?: AppLogLevel; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => sanitizeForLog(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // The message and any printf-style arguments; the merge object is handled by formatters.log.
          const redacted = args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg)) as Parameters<typeof method>;
          return method.apply(this, redacted);
        },
      },
    },
    options.destination,
  );
}

const TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK level that lets through what the app level lets through. */
export function temporalLevel(level: AppLogLevel): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}

/** Temporal's `DefaultLogger` writing into pino: SDK metadata (workflowId, activityType, ...) become fields. */
export function temporalLoggerFor(logger: Logger, level: AppLogLevel): DefaultLogger {
  const sdk = logger.child({ component: 'temporal' });
  return new DefaultLogger(temporalLevel(level), (entry: LogEntry) => {
    sdk[TO_PINO[entry.level]]({ ...entry.meta }, entry.message);
  });
}
