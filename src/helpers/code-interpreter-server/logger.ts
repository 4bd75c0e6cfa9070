// The small logging surface the helper needs; pino loggers satisfy it structurally.
export interface HelperLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: HelperLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
