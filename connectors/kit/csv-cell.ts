// One CSV cell as the gateway writes it (RFC 4180 quoting), safe to open in a spreadsheet: a value that
// begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula (CSV injection), so
// it is prefixed with a single quote, as OWASP recommends, and shows as the text it is. Every CSV the
// gateway writes (exports, job reports) goes through here.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",;\r\n]/;

export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
