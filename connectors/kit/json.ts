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
  parser.onValue = ({ value, key, stack }) => {
    // `$.*` also matches the members of a wrapper object (`nhits`, `parameters`, the `records` array itself):
    // only elements of the top-level array, or of a wrapper's `records`/`results`, are entries.
    const inTopArray = stack.length === 1 && typeof key === 'number';
    const inWrapper = stack.length === 2 && (stack[1].key === 'records' || stack[1].key === 'results');
    if (inTopArray || inWrapper) ready.push(value);
  };
  parser.onError = (error) => {
    failure ??= error;
  };
  const fail = (error: Error): never => {
    throw new FileProblem({ file, code: 'malformed-json', severity: 'error', detail: `the JSON cannot be read: ${error.message}` });
  };
  for await (const text of decodeText(source, textEncoding, file)) {
    try {
      parser.write(text);
    } catch (error) {
      fail(error as Error);
    }
    if (failure) fail(failure);
    for (const value of ready.splice(0)) yield { index: index++, value };
  }
  if (!parser.isEnded) {
    try {
      parser.end();
    } catch (error) {
      fail(error as Error);
    }
  }
  if (failure) fail(failure);
  for (const value of ready.splice(0)) yield { index: index++, value };
}
