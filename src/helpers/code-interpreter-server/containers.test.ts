import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import { ContainerError, ContainerRegistry } from './containers.js';
import type { RuntimeProcess } from './runtime/runtime-process.js';

function registry(limits: { idleMs?: number; maxPerPrincipal?: number; maxTotal?: number }) {
  let now = 1_000_000;
  const killed: string[] = [];
  const reg = new ContainerRegistry({
    limits: { idleMs: 60_000, maxPerPrincipal: 2, maxTotal: 3, spares: 0, ...limits },
    logger: silentLogger,
    newRuntime: () => {
      throw new Error('no runtime needed');
    },
    now: () => now,
  });
  return { reg, advance: (ms: number) => (now += ms), killed };
}

const give = (c: { runtime: RuntimeProcess | undefined }, onKill: () => void) => {
  c.runtime = { kill: onKill, alive: true, loaded: true } as unknown as RuntimeProcess;
};

describe('ContainerRegistry', () => {
  it('never hands a container to another principal', () => {
    const { reg } = registry({});
    reg.open('c1', 'alice', true);
    expect(() => reg.open('c1', 'bob', true)).toThrow(ContainerError);
    expect(reg.get('c1', 'bob')).toBeUndefined();
    expect(reg.get('c1', 'alice')?.principal).toBe('alice');
    expect(() => reg.open('c2', 'alice', false)).toThrow(/not found/);
  });

  it('retires the principal’s oldest idle container at its cap, and refuses when all are busy', () => {
    const { reg, advance } = registry({});
    const a = reg.open('a', 'alice', true);
    let killedA = false;
    give(a, () => (killedA = true));
    advance(10);
    reg.open('b', 'alice', true);
    advance(10);
    reg.open('c', 'alice', true);
    expect(reg.get('a', 'alice')).toBeUndefined();
    expect(killedA).toBe(true);
    for (const id of ['b', 'c']) reg.get(id, 'alice')!.pending = 1;
    expect(() => reg.open('d', 'alice', true)).toThrow(/Too many active containers/);
    void reg.close();
  });

  it('caps containers in total across principals', () => {
    const { reg, advance } = registry({ maxPerPrincipal: 5, maxTotal: 2 });
    reg.open('x', 'alice', true);
    advance(5);
    reg.open('y', 'bob', true);
    reg.open('z', 'carol', true);
    expect(reg.get('x', 'alice')).toBeUndefined();
    expect(reg.stats().containers).toBe(2);
    void reg.close();
  });

  it('expires containers idle for longer than idleMs, never busy ones', () => {
    const { reg, advance } = registry({ idleMs: 1000 });
    const idle = reg.open('idle', 'alice', true);
    let killed = false;
    give(idle, () => (killed = true));
    reg.open('busy', 'bob', true).pending = 1;
    advance(999);
    reg.sweep();
    expect(reg.get('idle', 'alice')).toBeDefined();
    advance(2);
    reg.sweep();
    expect(reg.get('idle', 'alice')).toBeUndefined();
    expect(killed).toBe(true);
    expect(reg.get('busy', 'bob')).toBeDefined();
    void reg.close();
  });
});
