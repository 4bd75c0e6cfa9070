import { parseChoice } from '../../config/serve-options.js';
import { defineToolPlugin } from '../plugin.js';
import { createWebSearchBackend, WEB_SEARCH_PROFILES, type WebSearchProfile } from './profile.js';
import { readWebSearchSettings } from './settings.js';
import { webSearchSpec } from './spec.js';
import { createWebSearchTool } from './tool.js';

export interface WebSearchOptions {
  webSearchProfile: WebSearchProfile | null;
}

/** `--web-search-profile` turns web_search on; without it requests using it are a 400 naming it. */
export const webSearchPlugin = defineToolPlugin({
  spec: webSearchSpec,
  flags: [{ flag: 'web-search-profile', value: 'profile', description: `enable web_search with a shipped profile: ${WEB_SEARCH_PROFILES.join(' or ')}` }],
  env: [{ name: 'VR_WEB_SEARCH_*', description: 'web_search settings (search endpoints, timeouts, page size)' }],
  readOptions: (raw): WebSearchOptions => ({ webSearchProfile: raw.webSearchProfile ? parseChoice('--web-search-profile', raw.webSearchProfile, WEB_SEARCH_PROFILES) : null }),
  describe: ({ webSearchProfile }) => `web_search ${webSearchProfile ? `on (${webSearchProfile})` : 'off'}`,
  create: ({ options, env }) => (options.webSearchProfile ? createWebSearchTool(createWebSearchBackend(options.webSearchProfile, readWebSearchSettings(env))) : null),
});
