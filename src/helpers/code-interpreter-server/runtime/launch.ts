// How a runtime child process is started: the OS layers of the sandbox.
//   [unshare -n]  sh -c 'ulimit -d <KiB> || exit 97; exec "$@"'  node <permission flags> runtime-child.js
// - an EMPTY environment (spawn env {}; the shell adds nothing but PWD=/);
// - Node's permission model: reads only the Pyodide files and this runtime's own scripts; no
//   writes, no child processes, no worker threads, no native addons;
// - string code generation disabled for the whole process (Function/eval);
// - a new network namespace when `unshare` works here: the runtime has no network at all
//   (its HTTP goes through the helper's egress policy over the IPC channel);
// - RLIMIT_DATA: the kernel refuses memory beyond the limit (covers ArrayBuffers, which V8's
//   heap limits do not; unlike RLIMIT_AS it leaves WebAssembly's address reservations alone).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SandboxSupport {
  /** `--permission` (Node >= 22.13) or `--experimental-permission` (Node 20), or null. */
  permissionFlag: string | null;
  /** argv prefix that puts the child in a new network namespace, or null when unavailable. */
  netns: string[] | null;
  /** A POSIX shell that can set RLIMIT_DATA, or null. */
  shell: string | null;
}

export interface LaunchPlan {
  command: string;
  args: string[];
  support: SandboxSupport;
}

function works(command: string, args: string[]): boolean {
  try {
    return spawnSync(command, args, { stdio: 'ignore', timeout: 5000, env: {} }).status === 0;
  } catch {
    return false;
  }
}

const firstExisting = (paths: string[]) => paths.find((p) => existsSync(p)) ?? null;

/** Probes once (at helper start-up) which OS layers this machine supports. */
export function detectSandboxSupport(): SandboxSupport {
  const flags = process.allowedNodeEnvironmentFlags;
  const permissionFlag = flags.has('--permission') ? '--permission' : flags.has('--experimental-permission') ? '--experimental-permission' : null;
  const unshare = firstExisting(['/usr/bin/unshare', '/bin/unshare']);
  let netns: string[] | null = null;
  if (unshare) {
    // As root a plain network namespace works; otherwise a user namespace makes it possible.
    if (works(unshare, ['-n', '/bin/true']) || works(unshare, ['-n', '/usr/bin/true'])) netns = [unshare, '-n'];
    else if (works(unshare, ['-r', '-n', '/bin/true']) || works(unshare, ['-r', '-n', '/usr/bin/true'])) netns = [unshare, '-r', '-n'];
  }
  const sh = firstExisting(['/bin/sh', '/usr/bin/sh']);
  const shell = sh && works(sh, ['-c', 'ulimit -d 1048576']) ? sh : null;
  return { permissionFlag, netns, shell };
}

/** The compiled child entry. From TypeScript sources (tests) the build output is used too: the
 * permission model must see real files, not a loader's in-memory transpilation. */
export function childScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return fileURLToPath(new URL('./runtime-child.js', import.meta.url));
  const built = fileURLToPath(new URL('../../../../dist/helpers/code-interpreter-server/runtime/runtime-child.js', import.meta.url));
  if (!existsSync(built)) throw new Error(`code interpreter runtime not built: ${built} is missing (run npm run build)`);
  return built;
}

export interface LaunchOptions {
  support: SandboxSupport;
  /** Directories the runtime may read (Pyodide's package dir, extra packages), with trailing slash. */
  readDirs: string[];
  /** OS memory limit for the process (RLIMIT_DATA), bytes. */
  memoryLimitBytes: number;
  /** V8 heap cap for the runtime's JS side. */
  maxOldGenerationSizeMb: number;
  /** Test-only: run without the permission model, to prove the other layers hold alone. */
  skipPermission?: boolean;
}

export function launchPlan(opts: LaunchOptions): LaunchPlan {
  const script = childScript();
  const { support } = opts;
  const node: string[] = [process.execPath];
  if (support.permissionFlag && !opts.skipPermission) {
    node.push(support.permissionFlag, `--allow-fs-read=${dirname(script)}/`);
    for (const dir of opts.readDirs) node.push(`--allow-fs-read=${dir}`);
  }
  node.push('--disallow-code-generation-from-strings', `--max-old-space-size=${opts.maxOldGenerationSizeMb}`, '--no-warnings', script);
  let command = node[0]!;
  let args = node.slice(1);
  if (support.shell) {
    const kib = Math.max(65536, Math.floor(opts.memoryLimitBytes / 1024));
    args = ['-c', `ulimit -d ${kib} || exit 97; exec "$@"`, 'vr-runtime', ...node];
    command = support.shell;
  }
  if (support.netns) {
    args = [...support.netns.slice(1), command, ...args];
    command = support.netns[0]!;
  }
  return { command, args, support };
}
