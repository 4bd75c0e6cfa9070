/**
 * Last-resort handlers for errors nothing else caught. Node's default is to print to stderr and
 * exit (uncaught exceptions, and since Node 15 unhandled rejections too): a gateway must never die
 * without a log line saying why. A rejection nobody handled is a bug but leaves the process sound,
 * so it is logged and the process keeps serving; an uncaught exception may have left state
 * half-updated, so it is logged and the process exits 1 (a supervisor replaces a lost worker).
 */
export interface ProcessErrorLogger {
  error(obj: object, msg: string): void;
  fatal(obj: object, msg: string): void;
  flush?(): void;
}

let installed = false;

export function installProcessErrorHandlers(logger: ProcessErrorLogger, exit: (code: number) => void = (code) => process.exit(code)): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (a bug: please report it); the process keeps running');
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception: the process exits');
    logger.flush?.();
    exit(1);
  });
}
