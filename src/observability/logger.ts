/**
 * The gateway's pino logger: JSON lines in production, pino-pretty when attached to a terminal,
 * and never a credential in the output (see redact.ts for the three layers).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { ChunkedDestination } from './log-destination.js';
import { parseLogLevel } from './log-settings.js';
import { REDACT_PATHS, REDACTED, censorSecretKeys, createLineScrubber } from './redact.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** pino level; defaults to `VR_LOG_LEVEL` semantics (`info`). */
  level?: string;
  /** Human-readable output; defaults to `process.stdout.isTTY`. */
  pretty?: boolean;
  /** Bound as `name` on every line (e.g. `gateway`, `supervisor`, `worker-2`). */
  name?: string;
  /**
   * Literal secret values to scrub from every line wherever they appear (client API keys,
   * the upstream key). Values shorter than 6 characters are ignored.
   */
  secrets?: readonly string[];
  /** Where lines go; defaults to stdout. Tests pass an in-memory stream. */
  destination?: DestinationStream;
}

type FlushableStream = DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; flushSync?: () => void };

/**
 * Wraps the destination so each finished line is scrubbed before it leaves the process. pino
 * accepts any object with `write(line)`; `flush`/`flushSync` are forwarded so `logger.flush()`
 * and exit-time flushing still work with sonic-boom.
 */
function scrubbingStream(target: FlushableStream, scrub: (line: string) => string): FlushableStream {
  const stream: FlushableStream = { write: (line: string) => target.write(scrub(line)) };
  if (target.flush) stream.flush = (cb) => target.flush?.(cb);
  if (target.flushSync) stream.flushSync = () => target.flushSync?.();
  return stream;
}

function buildDestination(pretty: boolean, destination: DestinationStream | undefined): FlushableStream {
  // stdout in chunks of many lines, one write each (log-destination.ts).
  if (!pretty) return destination ?? new ChunkedDestination(process.stdout);
  // In-process pretty stream rather than a transport: no worker thread per gateway worker, and
  // pretty output is a development convenience where throughput does not matter.
  return pinoPretty({
    colorize: destination === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(destination === undefined ? {} : { destination }),
  });
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = parseLogLevel(options.level, 'log level');
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const target = buildDestination(pretty, options.destination);
  return pino(
    {
      level,
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      formatters: {
        // `log` sees the object passed to each call, `bindings` those of child loggers.
        log: (object) => censorSecretKeys(object),
        bindings: (bindings) => censorSecretKeys(bindings),
      },
    },
    scrubbingStream(target, createLineScrubber(options.secrets)),
  );
}

/**
 * `logger` for lines whose every key is a fixed name chosen by the gateway, none naming a secret
 * (the request log line: req_id, method, route, path, status, phase timings…): for those, neither
 * pino's path redaction (layer 1) nor the key-name censor (layer 2) can change the line, and
 * skipping the censor's walk is about 15 % of such a line's cost. Values are still scrubbed by the
 * line scrubber (layer 3, the destination). Never use it for objects with caller-chosen keys.
 */
export function forFixedKeyLines(logger: Logger): Logger {
  return logger.child({}, { redact: [], formatters: { log: (object: object) => object } });
}
