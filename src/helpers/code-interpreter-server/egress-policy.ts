// Egress policy for HTTP(S) requests made by sandboxed Python (README, "Built-in tool: code_interpreter").
// The schema is the single source of truth for both validation and the type.
import { readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

const ruleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host'), value: z.string().min(1) }),
  z.object({ kind: z.literal('suffix'), value: z.string().min(1) }),
  z.object({
    kind: z.literal('cidr'),
    value: z.string().refine(isValidCidr, { message: 'not a valid CIDR (e.g. "10.0.0.0/8" or "fd00::/8")' }),
  }),
]);

export const egressPolicySchema = z
  .object({
    mode: z.enum(['allowlist', 'denylist']),
    allowed_schemes: z.array(z.enum(['http', 'https'])).default(['http', 'https']),
    block_ip_literals: z.boolean().default(false),
    block_private_networks: z.boolean().default(true),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

export type EgressPolicy = z.infer<typeof egressPolicySchema>;
export type EgressRule = z.infer<typeof ruleSchema>;

/**
 * Used when no policy file is configured: public internet is reachable, while loopback,
 * private, link-local and cloud metadata addresses are not (the helper runs next to the
 * gateway and often inside a cloud VM, so those are the dangerous targets).
 */
export const DEFAULT_EGRESS_POLICY: EgressPolicy = {
  mode: 'denylist',
  allowed_schemes: ['http', 'https'],
  block_ip_literals: false,
  block_private_networks: true,
  rules: [],
};

export class EgressPolicyError extends Error {
  override name = 'EgressPolicyError';
}

/** Validates an already-parsed JSON value; throws EgressPolicyError naming every problem. */
export function parseEgressPolicy(value: unknown, source = 'egress policy'): EgressPolicy {
  const parsed = egressPolicySchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw new EgressPolicyError(`invalid ${source}: ${problems}`);
  }
  return parsed.data;
}

/** Reads and validates a policy file; any problem is fatal at start-up. */
export async function loadEgressPolicyFile(path: string): Promise<EgressPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new EgressPolicyError(`cannot read egress policy file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EgressPolicyError(`egress policy file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseEgressPolicy(json, `egress policy file ${path}`);
}

function isValidCidr(value: string): boolean {
  return splitCidr(value) !== undefined;
}

function splitCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, prefixText, extra] = value.split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Builds a BlockList from CIDR strings (node:net does the address arithmetic). */
export function cidrBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parts = splitCidr(cidr);
    if (parts) list.addSubnet(parts.address, parts.prefix, parts.family);
  }
  return list;
}
