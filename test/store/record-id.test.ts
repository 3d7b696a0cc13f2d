import { describe, expect, it } from 'vitest';
import { newRecordId } from '../../gateway/store/record-id.js';

describe('new record ids', () => {
  it('are UUIDv7, each unique, in the order they were made, however many in one millisecond', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newRecordId());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The time they carry is when they were made; past 4,096 ids in a millisecond, the next one is borrowed.
    const time = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(time(ids[0])).toBeGreaterThanOrEqual(before);
    expect(time(ids.at(-1)!)).toBeLessThanOrEqual(after + Math.ceil(ids.length / 4096));
  });
});
