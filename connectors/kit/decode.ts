// Turns the bytes of an export into text in the encoding the file declares (XML prolog or byte-order mark),
// or that its bytes show (CSV exports declare nothing). French exports come in UTF-8, ISO-8859-1,
// ISO-8859-15 and windows-1252; ISO-8859-15 differs from the others on € and œ (0xA4, 0xBD), and a declared
// ISO-8859-1 is read as windows-1252, whose extra characters (€ ’ œ at 0x80–0x9F) real files contain. A text
// file with a UTF-16 byte-order mark (a spreadsheet's "Unicode text") is read as UTF-16.
import iconv from 'iconv-lite';
import { FileProblem } from './problem.js';

export type Encoding = 'utf-8' | 'windows-1252' | 'iso-8859-15' | 'utf-16le' | 'utf-16be';

const ALIASES: Record<string, Encoding> = {
  'utf-8': 'utf-8', utf8: 'utf-8',
  'iso-8859-1': 'windows-1252', 'iso8859-1': 'windows-1252', latin1: 'windows-1252', 'latin-1': 'windows-1252',
  'windows-1252': 'windows-1252', cp1252: 'windows-1252',
  'iso-8859-15': 'iso-8859-15', 'iso8859-15': 'iso-8859-15', latin9: 'iso-8859-15', 'latin-9': 'iso-8859-15',
};

const SNIFF_BYTES = 64 * 1024;

/** The encoding an encoding name stands for, or undefined when it is not one exports use. */
export function encodingNamed(name: string): Encoding | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

/** The encoding of an XML document: its byte-order mark, else its prolog's `encoding`, else UTF-8. */
export function xmlEncoding(head: Buffer, file: string): Encoding {
  if (head.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) return 'utf-8';
  const prolog = /^<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']/.exec(head.subarray(0, 200).toString('latin1'));
  if (!prolog) return 'utf-8';
  const encoding = encodingNamed(prolog[1]);
  if (!encoding) {
    throw new FileProblem({
      file, line: 1, code: 'unsupported-encoding', severity: 'error',
      detail: `the XML declares encoding "${prolog[1]}"; expected UTF-8, ISO-8859-1, ISO-8859-15 or windows-1252`,
    });
  }
  return encoding;
}

/**
 * The encoding of a text file that declares none, from its first 64 KB: its byte-order mark's, else UTF-8 when
 * they are valid UTF-8, or mostly so (a UTF-8 export with a line pasted in from elsewhere: read as UTF-8, the
 * odd bytes are then reported at their line, instead of every accent of the file garbled), else windows-1252.
 */
export function textEncoding(head: Buffer): Encoding {
  if (head.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const sample = head.subarray(0, SNIFF_BYTES);
  // A multi-byte character may be cut at the end of the sample: ignore an incomplete tail.
  let end = sample.length;
  for (let back = 1; back <= 3 && back <= sample.length; back += 1) {
    const byte = sample[sample.length - back];
    if ((byte & 0xc0) === 0xc0) {
      end = sample.length - back;
      break;
    }
    if ((byte & 0x80) === 0) break;
  }
  const text = new TextDecoder('utf-8').decode(sample.subarray(0, end));
  const invalid = text.match(/\uFFFD/g)?.length ?? 0;
  if (invalid === 0) return 'utf-8';
  const multiByte = text.match(/[^\u0000-\u007F\uFFFD]/g)?.length ?? 0;
  return multiByte > invalid ? 'utf-8' : 'windows-1252';
}

/** A decoder that refuses bytes that are not UTF-8 rather than turning them into U+FFFD, naming the line. */
function strictUtf8(file: string) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 0;
  const decode = (bytes: Buffer | undefined): string => {
    try {
      const text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines += 1;
      return text;
    } catch {
      const readable = bytes ? new TextDecoder('utf-8').decode(bytes) : '';
      const before = readable.slice(0, Math.max(0, readable.indexOf('\uFFFD')));
      throw new FileProblem({
        file, line: lines + 1 + (before.match(/\n/g)?.length ?? 0), code: 'bad-encoding', severity: 'error',
        detail: 'bytes that are not UTF-8, though the file is read as UTF-8: expected the file in the encoding it declares, or a declaration of the one it is in (ISO-8859-1, ISO-8859-15, windows-1252)',
      });
    }
  };
  return { write: (bytes: Buffer) => decode(bytes), end: () => decode(undefined) };
}

function decoderFor(encoding: Encoding, file: string): { write(bytes: Buffer): string; end(): string | undefined } {
  return encoding === 'utf-8' ? strictUtf8(file) : iconv.getDecoder(encoding);
}

/**
 * Decodes a byte stream as text, choosing the encoding from its first bytes with `choose`. Memory stays flat:
 * chunks go through as they come. Text read as UTF-8 must be UTF-8 throughout: a file in another encoding is a
 * problem at the line where it shows, not names silently garbled.
 */
export async function* decodeText(
  source: AsyncIterable<Buffer | Uint8Array>,
  choose: (head: Buffer) => Encoding,
  file: string,
): AsyncGenerator<string> {
  let head = Buffer.alloc(0);
  let decoder: ReturnType<typeof decoderFor> | undefined;
  for await (const chunk of source) {
    const bytes = Buffer.from(chunk);
    if (!decoder) {
      head = Buffer.concat([head, bytes]);
      if (head.length < SNIFF_BYTES) continue;
      decoder = decoderFor(choose(head), file);
      const text = decoder.write(head);
      if (text) yield text;
      continue;
    }
    const text = decoder.write(bytes);
    if (text) yield text;
  }
  if (!decoder) {
    decoder = decoderFor(choose(head), file);
    const text = decoder.write(head);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}
