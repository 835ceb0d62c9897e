// The bulk pace: as many a second as set, below 10 a second too (each a tenth of a second's share).
import { describe, expect, it } from 'vitest';
import { bulkPaceOf } from '../../platform/bulk-pace.js';

async function ratePerSecond(perSecond: number, calls: number): Promise<number> {
  const pace = bulkPaceOf(perSecond)!;
  const start = performance.now();
  for (let i = 0; i < calls; i++) await pace();
  return calls / ((performance.now() - start) / 1000);
}

describe('bulk pace', () => {
  it('keeps to the rate set, above and below ten a second; none when unset', async () => {
    expect(bulkPaceOf(undefined)).toBeUndefined();
    expect(bulkPaceOf(0)).toBeUndefined();
    // The first slot is free: n calls take (n - slots) / rate.
    expect(await ratePerSecond(4, 5)).toBeLessThan(6);
    expect(await ratePerSecond(200, 100)).toBeGreaterThan(150);
  });
});
