// An iCalendar file (RFC 5545) read into ical.js components, with the line each VEVENT starts on. The file is
// held whole (ical.js parses text, not streams), so its size is bounded first. Before ical.js sees it, the
// content lines are unfolded and checked (each `NAME[;PARAM…]:value`, BEGIN and END paired) so that a
// malformed or truncated file stops at the line where it fails, which ical.js's messages do not give.
import ICAL from 'ical.js';
import { decodeText, textEncoding } from '../kit/decode.js';
import { FileProblem } from '../kit/problem.js';

export const MAX_BYTES = 20 * 1024 * 1024;

/** The physical line of a VEVENT's BEGIN, and of the first of each of its properties (upper-case names). */
export interface EventLines {
  line: number;
  properties: Map<string, number>;
}

export interface IcalDocument {
  calendars: ICAL.Component[];
  /** Where each VEVENT is, in document order (ical.js keeps that order). */
  events: EventLines[];
  /** The last line of the file, for what is about the whole file. */
  lastLine: number;
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
  const events: EventLines[] = [];
  for (const { text, line } of lines) {
    if (!CONTENT_LINE.test(text)) fail(line, `"${text.slice(0, 60)}" is not an iCalendar content line; expected NAME:value or NAME;PARAMETER=…:value`);
    const [, keyword, name] = /^(BEGIN|END):(.*)$/i.exec(text.trim()) ?? [];
    if (keyword?.toUpperCase() === 'BEGIN') {
      if (open.length === 0 && lines[0].line !== line && name.toUpperCase() !== 'VCALENDAR') fail(line, `BEGIN:${name} outside any VCALENDAR`);
      open.push({ name: name.toUpperCase(), line });
      if (name.toUpperCase() === 'VEVENT') events.push({ line, properties: new Map() });
    } else if (keyword?.toUpperCase() === 'END') {
      const top = open.pop();
      if (top?.name !== name.toUpperCase()) fail(line, top ? `END:${name} closes BEGIN:${top.name} of line ${top.line}; expected END:${top.name}` : `END:${name} ends a component that never began`);
    } else if (open.length === 0) {
      fail(line, `"${text.slice(0, 60)}" is outside any VCALENDAR`);
    } else if (open[open.length - 1].name === 'VEVENT') {
      const property = /^[A-Za-z0-9-]+/.exec(text)![0].toUpperCase();
      const { properties } = events[events.length - 1];
      if (!properties.has(property)) properties.set(property, line);
    }
  }
  const lastLine = physical.length - (physical[physical.length - 1] === '' ? 1 : 0);
  if (open.length > 0) {
    const top = open[open.length - 1];
    fail(lastLine, `the file ends inside BEGIN:${top.name} of line ${top.line}: it is truncated; expected END:${top.name}`);
  }

  let parsed: unknown;
  try {
    parsed = ICAL.parse(lines.map((l) => l.text).join('\r\n'));
  } catch (error) {
    // ical.js does not say where: the first line it cannot read alone is the one.
    const bad = lines.find(({ text }) => {
      try {
        ICAL.parse.property(text);
        return false;
      } catch {
        return true;
      }
    });
    fail(bad?.line ?? lastLine, `the iCalendar cannot be read: ${(error as Error).message}`);
  }
  const data = (Array.isArray((parsed as unknown[])[0]) ? parsed : [parsed]) as unknown[];
  return { calendars: data.map((jcal) => new ICAL.Component(jcal as never)), events, lastLine };
}
