import { describe, expect, it } from 'vitest';
import { extraOccurrenceId, occurrenceId, OCCURRENCE_NAMESPACE, uuidV5 } from '../../gateway/timetable/occurrence-id.js';

// Expected values computed independently (Python's uuid.uuid5 with the same namespace and names).
describe('occurrence ids', () => {
  it('are RFC 9562 version 5 UUIDs (the RFC example: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('are the same on every run: a fixed namespace, the course id and the date', () => {
    expect(OCCURRENCE_NAMESPACE).toBe('722c923c-696e-4e39-86c0-1684d212a8f9');
    expect(occurrenceId('c-math-4b', '2026-11-16')).toBe('bd867fc4-fe42-5e4d-bed8-4a7f47cf4924');
    expect(occurrenceId('c-math-4b', '2026-11-16')).toBe(uuidV5(OCCURRENCE_NAMESPACE, 'course/c-math-4b/2026-11-16'));
    expect(extraOccurrenceId('chg-1')).toBe('449fa3a1-fa56-5c80-97e7-7ab86c0874f9');
  });

  it('encode names as UTF-8, long ones too', () => {
    expect(occurrenceId('c-é', '2026-11-16')).toBe('ce9f6d60-f738-512b-a528-6ef790692a29');
    expect(occurrenceId('x'.repeat(300), '2026-11-16')).toBe('1fa1a052-013b-57be-a0ae-e58567f1d433');
  });

  it('differ by date, by course, and between a session and an extra session', () => {
    const ids = new Set([
      occurrenceId('c-math-4b', '2026-11-16'), occurrenceId('c-math-4b', '2026-11-23'),
      occurrenceId('c-math-4c', '2026-11-16'), extraOccurrenceId('c-math-4b'),
    ]);
    expect(ids.size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
