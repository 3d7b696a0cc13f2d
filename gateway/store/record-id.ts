// Gateway ids of new records: UUIDv7 (RFC 9562), whose leading 48 bits are the time in milliseconds, then a
// counter within that millisecond (the RFC's method 1, 12 bits), then random bits. Ids made later sort later,
// so the indexes keyed on ids take a batch's new records at their right edge instead of all over (measured: the
// database inserts a whole académie's records in a third less time than with random ids). The random part comes
// from Node's randomUUID, which draws entropy in bulk: the uuid package's v7 asks the system for it id by id,
// which took 9 % of an import's main thread as it wrote.
import { randomUUID } from 'node:crypto';

const COUNTER_MAX = 0xfff;
let lastMs = 0;
let counter = 0;
/** The id's first two groups and its version digit, for `lastMs`: made once per millisecond, not once per id. */
let timeGroups = '';

export function newRecordId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
    timeGroups = '';
  } else if (counter < COUNTER_MAX) {
    // The same millisecond (or a clock set back): the counter keeps the order.
    counter += 1;
  } else {
    // 4,096 ids in one millisecond: borrow the next one.
    lastMs += 1;
    counter = 0;
    timeGroups = '';
  }
  if (!timeGroups) {
    const time = lastMs.toString(16).padStart(12, '0');
    timeGroups = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  // randomUUID gives xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: its variant and last 62 bits are kept.
  return `${timeGroups}${counter.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}
