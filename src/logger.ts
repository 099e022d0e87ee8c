// Structured logs. Authorization headers, cookies, tokens and free text never reach a log line.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination` defaults to stdout; tests pass a stream to read what would be logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
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
  };
  return destination ? pino(options, destination) : pino(options);
}
