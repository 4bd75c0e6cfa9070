import { pathToFileURL } from 'node:url';

/** True when the module at `moduleUrl` is the script being run (`npx tsx bench/<section>.ts`). */
export function isEntryPoint(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && moduleUrl === pathToFileURL(process.argv[1]!).href;
}

/** Run a script's `main` and exit 0, or print its error and exit 1 (ending any stray handle). */
export function runAndExit(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/**
 * Print a section's markdown report and exit 0, or its error and exit 1. Exiting also ends any
 * stray handle (sections stop their own children).
 */
export function printAndExit(report: Promise<string>): void {
  report.then(
    (md) => {
      console.log(md);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
