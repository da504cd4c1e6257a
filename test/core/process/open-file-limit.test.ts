import { describe, expect, it } from 'vitest';
import { defaultMaxConnections, openFileLimit, OWN_DESCRIPTORS } from '../../../src/core/process/open-file-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             95426                95426                processes
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

describe('open-file limit', () => {
  it('reads the soft limit of open files from /proc/self/limits', () => {
    expect(openFileLimit(LIMITS)).toBe(20_000);
    expect(
      openFileLimit(LIMITS.replace('Max open files            20000', 'Max open files            unlimited')),
    ).toBeUndefined();
    expect(openFileLimit('')).toBeUndefined();
    // This machine's own: Linux has the file.
    expect(openFileLimit()).toBeGreaterThan(0);
  });

  it('caps a gateway process below it by what the process needs for itself, never below 100; no limit known, no cap', () => {
    expect(defaultMaxConnections(20_000)).toBe(20_000 - OWN_DESCRIPTORS);
    expect(defaultMaxConnections(1024)).toBe(100);
    expect(defaultMaxConnections(undefined)).toBe(0);
  });
});
