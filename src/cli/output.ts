/** Text styles the CLI uses; each is the identity function when colours are off. */
export interface Styles {
  readonly bold: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly dim: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

/** ANSI styles on a terminal, plain text everywhere else (pipes, files, CI logs). */
export function styles(color: boolean): Styles {
  return color
    ? { bold: sgr(1, 22), red: sgr(31, 39), green: sgr(32, 39), dim: sgr(2, 22) }
    : { bold: plain, red: plain, green: plain, dim: plain };
}

/** Renders rows of equal length as aligned columns, the first row being the header. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n');
}

/** Stable, indented JSON for `--json` output. */
export function toJSON(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
