import { openStore, sqliteBackend } from './support/backends.js';
import { describeStoreContract } from './support/store-contract.js';

describeStoreContract('sqlite', async () => {
  const backend = sqliteBackend();
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
