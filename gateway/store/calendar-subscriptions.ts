// Calendar subscriptions: what a subscription URL shows (an establishment's group, person or room) and for which
// client, until revoked. The URL names the subscription (signed); the client's scopes and perimeter are read
// when it is fetched, never stored with it.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CalendarSubscriptionTable, Database } from './tables.js';
import type { Selectable } from 'kysely';

export type CalendarSubscriptionRow = Selectable<CalendarSubscriptionTable>;
export type CalendarTarget = CalendarSubscriptionTable['target'];

export async function createCalendarSubscription(
  db: Kysely<Database>, subscription: { clientId: string; uai: string; target: CalendarTarget; targetId: string },
): Promise<CalendarSubscriptionRow> {
  return db.insertInto('calendar_subscription').values({
    id: randomUUID(), client_id: subscription.clientId, uai: subscription.uai, target: subscription.target,
    target_id: subscription.targetId, created_at: new Date(), revoked_at: null,
  }).returningAll().executeTakeFirstOrThrow();
}

/** The subscription with this id, revoked or not (undefined when there is none). */
export function calendarSubscription(db: Kysely<Database>, id: string): Promise<CalendarSubscriptionRow | undefined> {
  return db.selectFrom('calendar_subscription').selectAll().where('id', '=', id).executeTakeFirst();
}

export function calendarSubscriptionsOf(db: Kysely<Database>, clientId: string): Promise<CalendarSubscriptionRow[]> {
  return db.selectFrom('calendar_subscription').selectAll().where('client_id', '=', clientId).orderBy('created_at').execute();
}

/** Revokes a client's own subscription; false when it has none with this id. */
export async function revokeCalendarSubscription(db: Kysely<Database>, clientId: string, id: string): Promise<boolean> {
  const row = await db.updateTable('calendar_subscription')
    .set({ revoked_at: new Date() })
    .where('id', '=', id).where('client_id', '=', clientId).where('revoked_at', 'is', null)
    .returning('id').executeTakeFirst();
  if (row) return true;
  return (await db.selectFrom('calendar_subscription').select('id').where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst()) !== undefined;
}
