// An iCalendar file (RFC 5545): the text is held whole (ical.js parses text, not streams), so its size is
// bounded first. The content lines are unfolded and checked (each `NAME[;PARAM…]:value`, BEGIN and END paired)
// so that a malformed or truncated file stops at the line where it fails, which ical.js's messages do not give.
// ical.js then parses the calendar's own part, and each VEVENT on its own when it is read (eventComponent), so
// that the tree of a large file is never held whole and an event it refuses is a problem of that event alone.
import ICAL from 'ical.js';
import { decodeText, textEncoding } from '../kit/decode.js';
import { FileProblem } from '../kit/problem.js';

export const MAX_BYTES = 20 * 1024 * 1024;

/** One VEVENT: its unfolded content lines joined by CRLF, to be parsed on its own, and the physical line of each. */
export interface IcalEvent {
  text: string;
  lines: number[];
}

export interface IcalDocument {
  /** The VCALENDARs with their own properties and VTIMEZONEs, without their events. */
  calendars: ICAL.Component[];
  /** The events, in document order, each parsed when it is read so that the file's tree is never held whole. */
  events: IcalEvent[];
  /** The TZID of the first DTSTART that has one, for the establishment's zone. */
  firstTzid?: string;
}

const CONTENT_LINE = /^[A-Za-z0-9-]+(?:;[^:]*)?:/;

/** The text of a byte stream, refused past MAX_BYTES before all of it is held. */
async function textOf(source: AsyncIterable<Buffer | Uint8Array>, file: string): Promise<string> {
  let size = 0;
  async function* bounded() {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > MAX_BYTES) {
        throw new FileProblem({ file, code: 'file-too-large', severity: 'error', detail: `the file is over ${MAX_BYTES / 1024 / 1024} MB; expected an iCalendar export of one timetable` });
      }
      yield chunk;
    }
  }
  const parts: string[] = [];
  for await (const text of decodeText(bounded(), textEncoding, file)) parts.push(text);
  return parts.join('').replace(/^\uFEFF/, '');
}

/** Reads an iCalendar file. Throws FileProblem (file, line) when it is too large, malformed or truncated. */
export async function readIcal(source: AsyncIterable<Buffer | Uint8Array>, file: string): Promise<IcalDocument> {
  const physical = (await textOf(source, file)).split(/\r\n|\n|\r/);
  const fail = (line: number, detail: string): never => {
    throw new FileProblem({ file, line, code: 'malformed-icalendar', severity: 'error', detail });
  };

  // Unfolded content lines, each with the physical line it starts on.
  const lines: { text: string; line: number }[] = [];
  physical.forEach((text, index) => {
    if ((text.startsWith(' ') || text.startsWith('\t')) && lines.length > 0) lines[lines.length - 1].text += text.slice(1);
    else if (text.trim() !== '') lines.push({ text, line: index + 1 });
  });
  if (lines.length === 0 || lines[0].text.trim().toUpperCase() !== 'BEGIN:VCALENDAR') {
    fail(lines[0]?.line ?? 1, `the file starts with "${(lines[0]?.text ?? '').slice(0, 40)}"; expected BEGIN:VCALENDAR, an iCalendar file`);
  }
  const open: { name: string; line: number }[] = [];
  const events: IcalEvent[] = [];
  let eventLines: string[] | undefined;
  const calendarLines: { text: string; line: number }[] = [];
  let firstTzid: string | undefined;
  for (const { text, line } of lines) {
    if (!CONTENT_LINE.test(text)) fail(line, `"${text.slice(0, 60)}" is not an iCalendar content line; expected NAME:value or NAME;PARAMETER=…:value`);
    const [, keyword, rawName] = /^(BEGIN|END):(.*)$/i.exec(text.trim()) ?? [];
    const name = rawName?.toUpperCase();
    if (keyword?.toUpperCase() === 'BEGIN') {
      if (open.length === 0 && name !== 'VCALENDAR') fail(line, `BEGIN:${rawName} outside any VCALENDAR`);
      open.push({ name, line });
      if (name === 'VEVENT' && open.length === 2) {
        eventLines = [];
        events.push({ text: '', lines: [] });
      }
    } else if (keyword?.toUpperCase() === 'END') {
      const top = open.pop();
      if (top?.name !== name) fail(line, top ? `END:${rawName} closes BEGIN:${top.name} of line ${top.line}; expected END:${top.name}` : `END:${rawName} ends a component that never began`);
    } else if (open.length === 0) {
      fail(line, `"${text.slice(0, 60)}" is outside any VCALENDAR`);
    } else if (eventLines && !firstTzid && /^DTSTART;/i.test(text)) {
      firstTzid = /;TZID=("[^"]*"|[^;:]*)/i.exec(text)?.[1].replace(/"/g, '');
    }
    if (eventLines) {
      eventLines.push(text);
      events[events.length - 1].lines.push(line);
      if (open.length === 1) {
        events[events.length - 1].text = eventLines.join('\r\n');
        eventLines = undefined;
      }
    } else {
      calendarLines.push({ text, line });
    }
  }
  if (open.length > 0) {
    const top = open[open.length - 1];
    const lastLine = physical.length - (physical[physical.length - 1] === '' ? 1 : 0);
    fail(lastLine, `the file ends inside BEGIN:${top.name} of line ${top.line}: it is truncated; expected END:${top.name}`);
  }
  try {
    const parsed = ICAL.parse(calendarLines.map((l) => l.text).join('\r\n')) as unknown[];
    const data = (Array.isArray(parsed[0]) ? parsed : [parsed]) as unknown[];
    return { calendars: data.map((jcal) => new ICAL.Component(jcal as never)), events, ...(firstTzid ? { firstTzid } : {}) };
  } catch (error) {
    return fail(firstUnreadable(calendarLines) ?? calendarLines[0].line, `the iCalendar cannot be read: ${(error as Error).message}`);
  }
}

/** The line of the first of an event's properties named `name` (upper case), else of its BEGIN. */
export function lineOf(event: IcalEvent, name?: string): number {
  if (!name) return event.lines[0];
  const index = event.text.split('\r\n').findIndex((text) => text.toUpperCase().startsWith(name) && /^[;:]/.test(text.slice(name.length)));
  return event.lines[Math.max(0, index)];
}

/** An event's ical.js component, or the line ical.js cannot read (its messages do not say where). */
export function eventComponent(event: IcalEvent): { component: ICAL.Component } | { line: number; detail: string } {
  try {
    return { component: new ICAL.Component(ICAL.parse(event.text) as never) };
  } catch (error) {
    const lines = event.text.split('\r\n').map((text, index) => ({ text, line: event.lines[index] }));
    return { line: firstUnreadable(lines) ?? event.lines[0], detail: (error as Error).message };
  }
}

/** The line of the first content line ical.js cannot read alone (as an event's): where a text it refuses fails. */
function firstUnreadable(lines: { text: string; line: number }[]): number | undefined {
  return lines.find(({ text }) => {
    if (/^(BEGIN|END):/i.test(text)) return false;
    try {
      ICAL.parse(`BEGIN:VEVENT\r\n${text}\r\nEND:VEVENT`);
      return false;
    } catch {
      return true;
    }
  })?.line;
}
