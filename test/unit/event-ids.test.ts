import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newEventId } from '../../src/shared/ids.js';

/** New events' ids (src/shared/ids.ts): uuids of version 7, ordered by the millisecond they were made in. */
describe('newEventId', () => {
  it('is a version 7 uuid (RFC 9562) that zod accepts, with the millisecond in its first 48 bits', () => {
    const ms = Date.UTC(2026, 11, 3, 14, 30, 0, 123);
    const id = newEventId(ms);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('sorts as the instants it was made at, and never repeats', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newEventId(1_700_000_000_000 + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    const byMs = (id: string) => id.slice(0, 13);
    expect(ids.map(byMs)).toEqual([...ids].sort().map(byMs));
  });
});
