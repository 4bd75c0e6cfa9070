import { describe } from 'vitest';
import { POSTGRES_URL, openStore, postgresBackend } from '../support/stores.js';
import { describeStoreContract } from './support/store-contract.js';

// Skipped only when VR_TEST_POSTGRES_URL is unset; set and unreachable fails in beforeAll.
describe.runIf(POSTGRES_URL)('postgres', () => {
  describeStoreContract('postgres', async () => {
    const backend = postgresBackend(POSTGRES_URL!);
    const store = openStore(backend.spec);
    await store.init();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await backend.cleanup();
      },
    };
  });
});
