// Development-only bootstrap: when the helper runs from TypeScript sources (tests, tsx), a
// worker thread does not inherit the parent's TypeScript loader, so register tsx here and
// then load the real worker entry. The compiled build (dist/) never uses this file.
import { register } from 'tsx/esm/api';

register();
await import('./runtime-worker.ts');
