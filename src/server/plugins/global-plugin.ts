/**
 * Declares a fastify plugin whose hooks apply to the whole app rather than to its own
 * encapsulated scope (what the `fastify-plugin` package does, via fastify's `skip-override`
 * symbol; not worth a dependency for one line).
 */
import type { FastifyInstance } from 'fastify';

export type GlobalPlugin<O> = ((app: FastifyInstance, opts: O) => Promise<void>) & { [key: symbol]: unknown };

export function globalPlugin<O>(name: string, setup: (app: FastifyInstance, opts: O) => void): GlobalPlugin<O> {
  const plugin = (async (app: FastifyInstance, opts: O) => setup(app, opts)) as GlobalPlugin<O>;
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = name;
  return plugin;
}
