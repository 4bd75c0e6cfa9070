/**
 * The owner written into rows that existed before responses had owners (migration 6). It is the
 * principal of a gateway without API keys (`src/server/plugins/auth.ts` uses this same value), so
 * such rows stay readable where no keys are configured and belong to no key where keys are.
 * Never change it: it is baked into existing databases.
 */
export const LEGACY_OWNER = 'anonymous';
