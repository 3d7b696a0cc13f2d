// Tables for people on the standard output: coloured only when it is a terminal and NO_COLOR is unset
// (no-color.org), so that piped or logged output stays plain text.
import Table from 'cli-table3';

export function coloursWanted(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

export function outputTable(head: string[]): Table.Table {
  return new Table({ head, ...(coloursWanted() ? {} : { style: { head: [], border: [] } }) });
}
