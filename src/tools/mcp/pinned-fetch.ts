/**
 * The fetch remote MCP sessions use when URL checks are on. The check before the run resolves
 * the server's name once; a name that resolves differently at connect time (DNS rebinding) would
 * slip past it. This fetch connects through the shared pinning lookup (`net/pinned-lookup.ts`),
 * which re-checks every address at the moment each connection is made and connects only to the
 * address it checked. One agent serves every remote server and request (the MCP tool owns it and
 * closes it at shutdown).
 */
import { fetch as undiciFetch, type Agent } from 'undici';
import { nonPublicReason } from '../../net/classify-address.js';
import { pinnedAgent, type AddressCheck } from '../../net/pinned-lookup.js';

export const publicOnly: AddressCheck = (hostname, address) => {
  const reason = nonPublicReason(address);
  if (!reason) return null;
  return Object.assign(new Error(`MCP server ${hostname} resolves to ${address}, a ${reason}`), { code: 'EADDRNOTPUBLIC' });
};

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The remote-MCP destination policy's agent: public addresses only. */
export function publicOnlyAgent(): Agent {
  return pinnedAgent(publicOnly);
}

/** A fetch whose every connection goes through `agent`. */
export function pinnedFetch(agent: Agent): FetchLike {
  return (url, init) => undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
}
