import { describe, expect, it } from 'vitest';
import { readWebSearchSettings } from '../tools/web-search/settings.js';
import { storeOptionsFromEnv } from '../store/index.js';
import { readBooleanEnv } from './env-flags.js';

describe('readBooleanEnv: the one boolean parser for VR_* variables', () => {
  it.each([['1'], ['true'], ['YES'], [' on ']])('%s is true', (v) => expect(readBooleanEnv('X', v, false)).toBe(true));
  it.each([['0'], ['false'], ['No'], ['off']])('%s is false', (v) => expect(readBooleanEnv('X', v, true)).toBe(false));
  it('unset or empty is the default', () => {
    expect(readBooleanEnv('X', undefined, true)).toBe(true);
    expect(readBooleanEnv('X', '  ', false)).toBe(false);
  });
  it.each([['ture'], ['flase'], ['2'], ['enabled']])('a typo (%s) is rejected, naming the variable, never read as false', (v) => {
    expect(() => readBooleanEnv('VR_X', v, false)).toThrow(/VR_X must be a boolean/);
  });
  it('guards the test-only loopback switch and the store cache switch too', () => {
    expect(() => readWebSearchSettings({ VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS: 'ture' })).toThrow(/VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS/);
    expect(readWebSearchSettings({ VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS: 'yes' }).allowLoopback).toBe(true);
    expect(readWebSearchSettings({}).allowLoopback).toBe(false);
    expect(() => storeOptionsFromEnv({ VR_RESPONSE_STORE_CACHE: 'maybe' })).toThrow(/VR_RESPONSE_STORE_CACHE/);
  });
});
