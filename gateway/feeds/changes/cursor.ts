// The change-feed cursor. Opaque to clients; inside, a change-log position and, while the caller's
// visibility is changing, where the feed is in announcing what entered and left the perimeter.
import type { Request } from 'express';
import { decodeCursor, encodeCursor, KEY_SHAPES } from '../../http/paging.js';
import type { ChangeCursor } from '../../store/reads/changes.js';

export type { ChangeCursor };

const DIGITS = /^[0-9]{1,18}$/;
/** The last key delivered in a phase: a sequence number, or `uai/id` while announcing what left or entered. */
const UAI_AND_ID = new RegExp(`^${KEY_SHAPES.uai.source.slice(1, -1)}/${KEY_SHAPES.id.source.slice(1, -1)}$`);
const POSITION = { changes: DIGITS, leave: UAI_AND_ID, enter: UAI_AND_ID } as const;

function isChangeCursor(value: Record<string, unknown>): value is ChangeCursor & Record<string, unknown> {
  if (typeof value.s !== 'string' || !DIGITS.test(value.s)) return false;
  if (value.t === undefined) return value.p === undefined && value.a === undefined;
  if (typeof value.t !== 'string' || !DIGITS.test(value.t) || BigInt(value.t) < BigInt(value.s)) return false;
  if (value.p !== 'changes' && value.p !== 'leave' && value.p !== 'enter') return false;
  return value.a === undefined || (typeof value.a === 'string' && POSITION[value.p].test(value.a));
}

export function encodeChangeCursor(req: Request, cursor: ChangeCursor): string {
  return encodeCursor(req, { ...cursor });
}

export function decodeChangeCursor(req: Request, text: string, parameter: string): ChangeCursor {
  return decodeCursor(req, text, parameter, isChangeCursor);
}

/** The cursor a listing hands out: the change-log position its first page was read at. */
export function changeCursorAt(req: Request, position: bigint): string {
  return encodeChangeCursor(req, { s: String(position) });
}
