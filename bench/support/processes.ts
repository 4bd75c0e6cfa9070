/**
 * Child processes of the gateway bench: the fake upstream (forked through tsx) and the real
 * gateway CLI from dist/. Every start has a deadline and every child can be stopped; callers
 * stop them in `finally`.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/cli.js';
import { inspectorUrlFrom } from './inspector.js';

export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const UPSTREAM_CHILD = fileURLToPath(new URL('./upstream-child.ts', import.meta.url));
const PROXY_CHILD = fileURLToPath(new URL('./proxy-child.ts', import.meta.url));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Resident set size of a process in MiB, from `/proc/<pid>/status` (VmRSS). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`);
  return kb / 1024;
}

export interface UpstreamChild {
  url: string;
  child: ChildProcess;
  /** Ends every held (`bench-hold`) stream; resolves with how many were released. */
  release(): Promise<number>;
  stats(): Promise<{ held: number; served: number }>;
  stop(): Promise<void>;
}

function ask<T>(child: ChildProcess, msg: object, reply: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`upstream child did not answer ${JSON.stringify(msg)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: any) => {
      if (m?.type !== reply) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(msg);
  });
}

export async function startUpstreamChild(timeoutMs = 20_000): Promise<UpstreamChild> {
  const child = fork(UPSTREAM_CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake upstream child did not start in time')), timeoutMs);
      child.once('message', (m: any) => {
        clearTimeout(timer);
        if (m?.type === 'ready') resolve(String(m.url));
        else reject(new Error(`unexpected message from upstream child: ${JSON.stringify(m)}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fake upstream child exited early (${code})`));
      });
    });
    return {
      url,
      child,
      release: async () => (await ask<{ n: number }>(child, { type: 'release' }, 'released')).n,
      stats: () => ask<{ held: number; served: number }>(child, { type: 'stats' }, 'stats'),
      stop: async () => {
        if (child.connected) child.disconnect();
        await stopChild(child, 3000);
      },
    };
  } catch (err) {
    await stopChild(child, 1000);
    throw err;
  }
}

export interface ProxyChild {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The raw byte proxy (bench/support/proxy-child.ts) in front of `upstreamOrigin`. */
export async function startProxyChild(upstreamOrigin: string, timeoutMs = 20_000): Promise<ProxyChild> {
  const child = fork(PROXY_CHILD, [upstreamOrigin], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('proxy child did not start in time')), timeoutMs);
      child.once('message', (m: any) => {
        clearTimeout(timer);
        if (m?.type === 'ready') resolve(String(m.url));
        else reject(new Error(`unexpected message from proxy child: ${JSON.stringify(m)}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`proxy child exited early (${code})`));
      });
    });
    return {
      url,
      child,
      stop: async () => {
        if (child.connected) child.disconnect();
        await stopChild(child, 3000);
      },
    };
  } catch (err) {
    await stopChild(child, 1000);
    throw err;
  }
}

export interface GatewayProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last lines the gateway wrote to stderr (startup and errors), for diagnostics. */
  stderr(): string;
  /** The V8 inspector's `ws://` URL when started with `inspect` (see support/inspector.ts). */
  inspectorUrl: string | null;
  /** SIGTERM (graceful drain; writes the CPU profile when profiling), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface GatewayStartOptions {
  upstreamUrl: string;
  /** `VR_DB_PATH` of the gateway's store. */
  dbPath: string;
  /** Write a V8 CPU profile of the gateway into this directory (`node --cpu-prof`). */
  cpuProfDir?: string;
  /** Open the V8 inspector on a free loopback port (memory readings, heap snapshots). */
  inspect?: boolean;
  /** More `node` flags (e.g. V8 heap options being evaluated). */
  nodeFlags?: string[];
  timeoutMs?: number;
  /** The CLI to run; default `BENCH_GATEWAY_CLI` or this checkout's build. */
  cli?: string;
  /** More environment variables for the gateway (over this process's own). */
  env?: Record<string, string>;
}

/**
 * Spawns `node dist/cli/main.js serve …` exactly as users run it and waits for `/health`.
 * `BENCH_GATEWAY_CLI=/other/checkout/dist/cli/main.js` benchmarks another build (before/after).
 */
export async function startGatewayProcess(opts: GatewayStartOptions): Promise<GatewayProcess> {
  const cli = opts.cli ?? (process.env.BENCH_GATEWAY_CLI || CLI_PATH);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run bench does).`);
  const port = await freePort();
  const nodeArgs = [
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    ...(opts.inspect ? ['--inspect=127.0.0.1:0'] : []),
    ...(opts.nodeFlags ?? []),
  ];
  const args = [
    ...nodeArgs,
    cli,
    'serve',
    '--upstream', opts.upstreamUrl,
    '--gateway-host', '127.0.0.1',
    '--gateway-port', String(port),
    '--code-interpreter', 'disabled',
    '--upstream-ready-interval', '0.2',
    '--upstream-ready-timeout', '30',
  ];
  // stdout (request logs, if any) goes to /dev/null: the gateway still formats its log lines,
  // as in production, but the load generator does not pay for reading them.
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...opts.env, VR_DB_PATH: opts.dbPath },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = `http://127.0.0.1:${port}`;
  const proc: GatewayProcess = { url, pid: child.pid!, child, stderr: () => err, inspectorUrl: null, stop: () => stopChild(child, 10_000) };
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8192);
    if (opts.inspect && !proc.inspectorUrl) proc.inspectorUrl = inspectorUrlFrom(err);
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gateway exited early (${child.exitCode}):\n${err}`);
      if (Date.now() > deadline) throw new Error(`gateway did not answer /health in time:\n${err}`);
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.ok) return proc;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await proc.stop();
    throw e;
  }
}

let clockTicks: number | null = null;

/** Kernel clock ticks per second (USER_HZ), for `/proc/<pid>/stat` times. */
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time a process has used so far, in ms (`/proc/<pid>/stat` utime + stime). */
export function cpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/**
 * The same for the process's main thread alone (`/proc/<pid>/task/<pid>/stat`): the one event
 * loop that serves every request, without worker threads (the SQLite writer) or V8's helpers.
 */
export function mainThreadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the `(comm)` field, which may itself contain spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}
