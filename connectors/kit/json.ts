// Streaming JSON for large exports: the elements of the top-level array (or of `records`/`results`, as the
// open-data APIs wrap them) come out one at a time, so a national file never sits in memory whole.
import { JSONParser } from '@streamparser/json';
import { decodeText, textEncoding } from './decode.js';
import { FileProblem } from './problem.js';

/** Each element of the list a JSON export holds, with its position in that list. */
export async function* readJsonElements(
  source: AsyncIterable<Buffer | Uint8Array>,
  file: string,
): AsyncGenerator<{ index: number; value: unknown }> {
  const parser = new JSONParser({ paths: ['$.*', '$.records.*', '$.results.*'], keepStack: false });
  const ready: unknown[] = [];
  let index = 0;
  let failure: Error | undefined;
  // Whether a wrapper object was seen to hold its list: `{}` or `{"a": 1}` lists nothing, and is not an export.
  let wrapped = false;
  parser.onValue = ({ value, key, stack }) => {
    if (stack.length === 1 && (key === 'records' || key === 'results')) wrapped = true;
    // `$.*` also matches the members of a wrapper object (`nhits`, `parameters`, the `records` array itself):
    // only elements of the top-level array, or of a wrapper's `records`/`results`, are entries.
    const inTopArray = stack.length === 1 && typeof key === 'number';
    const inWrapper = stack.length === 2 && (stack[1].key === 'records' || stack[1].key === 'results');
    if (inTopArray || inWrapper) ready.push(value);
  };
  parser.onError = (error) => {
    failure ??= error;
  };
  // Lines before the text being parsed, and that text: the parser tells where it failed as a byte offset in it.
  let linesBefore = 1;
  let current = '';
  const expected = 'expected an array of entries, or an object whose records or results are one';
  const fail = (error: Error): never => {
    const offset = /chunk position "(\d+)"/.exec(error.message);
    const within = offset ? Buffer.from(current).subarray(0, Number(offset[1])).toString() : current;
    const line = linesBefore + (within.match(/\n/g)?.length ?? 0);
    throw new FileProblem({ file, line, code: 'malformed-json', severity: 'error', detail: `the JSON cannot be read: ${error.message}; ${expected}` });
  };
  let root: string | undefined;
  for await (const text of decodeText(source, textEncoding, file)) {
    current = text;
    root ??= text.trimStart()[0];
    if (root !== undefined && root !== '[' && root !== '{') {
      const line = linesBefore + (text.slice(0, text.length - text.trimStart().length).match(/\n/g)?.length ?? 0);
      throw new FileProblem({ file, line, code: 'malformed-json', severity: 'error', detail: `the JSON is not a list of entries; ${expected}` });
    }
    try {
      parser.write(text);
    } catch (error) {
      fail(error as Error);
    }
    if (failure) fail(failure);
    linesBefore += text.match(/\n/g)?.length ?? 0;
    for (const value of ready.splice(0)) yield { index: index++, value };
  }
  current = '';
  if (!parser.isEnded) {
    try {
      parser.end();
    } catch (error) {
      fail(error as Error);
    }
  }
  if (failure) fail(failure);
  for (const value of ready.splice(0)) yield { index: index++, value };
  if (root === undefined) throw new FileProblem({ file, line: 1, code: 'empty-file', severity: 'error', detail: `the file is empty; ${expected}` });
  if (root === '{' && !wrapped) throw new FileProblem({ file, line: linesBefore, code: 'malformed-json', severity: 'error', detail: `the JSON object holds no records or results; ${expected}` });
}
