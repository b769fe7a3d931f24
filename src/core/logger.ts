import { redact, redactDeep } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'human' | 'json';

/** A structured logger: human lines by default, JSON lines with --json; always on stderr, always redacted. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
  now?: () => Date;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'human';
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const bindings = options.bindings ?? {};

  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < threshold) return;
    // Redact before serializing: JSON escapes newlines and quotes, so a multi-line secret (a PEM key) would no
    // longer match in the serialized line.
    const all = redactDeep({ ...bindings, ...fields });
    const msg = redact(message);
    const line =
      format === 'json'
        ? JSON.stringify({ time: now().toISOString(), level, msg, ...all })
        : humanLine(now(), level, msg, all);
    write(redact(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (extra) => createLogger({ ...options, bindings: { ...bindings, ...extra } }),
  };
}

function humanLine(time: Date, level: LogLevel, message: string, fields: Record<string, unknown>): string {
  const stamp = time.toISOString().slice(11, 23);
  const tag = level === 'info' ? '' : ` ${level.toUpperCase()}`;
  const extras = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${stamp}${tag} ${message}${extras ? `  ${extras}` : ''}`;
}

/** A logger that keeps lines in memory: for tests. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ format: 'json', level, write: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = createLogger({ write: () => {}, level: 'error' });
