import type { WebSearchBackend } from './backend.js';
import { createDuckDuckGoBackend } from './duckduckgo/backend.js';
import { createExaBackend } from './exa/backend.js';
import type { WebSearchSettings } from './settings.js';

/** The shipped profiles `--web-search-profile` accepts. */
export const WEB_SEARCH_PROFILES = ['exa_mcp', 'duckduckgo_plus_fetch'] as const;
export type WebSearchProfile = (typeof WEB_SEARCH_PROFILES)[number];

/** The backend behind `--web-search-profile`. */
export function createWebSearchBackend(profile: WebSearchProfile, settings: WebSearchSettings): WebSearchBackend {
  switch (profile) {
    case 'duckduckgo_plus_fetch':
      return createDuckDuckGoBackend(settings);
    case 'exa_mcp':
      return createExaBackend(settings);
  }
}
