// Structured logs. Authorization headers, cookies, tokens and free text never reach a log line.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'child-safety-cases' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.authorization',
        '*.token',
        '*.followUpToken',
        '*.description',
        '*.contactEmail',
        '*.statement',
        'variables',
      ],
      censor: '[redacted]',
    },
  });
}
