// Sequence numbers for the change log. Writers commit out of order, so a plain sequence would let a reader at
// cursor 100 miss 99 committing a moment later. Instead every writer takes its numbers from a one-row
// counter with UPDATE … RETURNING: the row lock is held until the writer's transaction ends, so numbers are
// handed out in commit order and a committed number is never followed by a smaller one becoming visible.
// Writers take the numbers last, just before their final writes, so the lock is held briefly.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './tables.js';

/**
 * Reserves `count` consecutive sequence numbers and returns the first. Runs in the caller's transaction and
 * serialises it with every other writer until it commits.
 */
export async function reserveSequence(trx: Transaction<Database>, count: number): Promise<bigint> {
  const { seq } = await trx
    .updateTable('change_counter')
    .set({ seq: sql`seq + ${count}` })
    .where('id', '=', 1)
    .returning('seq')
    .executeTakeFirstOrThrow();
  return BigInt(seq) - BigInt(count) + 1n;
}

/** The highest sequence number whose transaction has committed: every change at or below it is visible. */
export async function committedSequence(db: Kysely<Database> | Transaction<Database>): Promise<bigint> {
  const { seq } = await db.selectFrom('change_counter').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return BigInt(seq);
}
