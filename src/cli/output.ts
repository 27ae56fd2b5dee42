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

// Every C0 control but the newline, DEL, and every C1 control (U+0080–U+009F, where CSI and OSC live too).
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Shows each control character in `text` as a `\uXXXX` escape, newlines excepted, so a
 * detail, field path, record or certificate name chosen by a peer cannot drive the
 * terminal (clear it, retitle it, forge links or earlier lines; attack F7). In `--json`
 * output such characters only occur inside strings, where `\uXXXX` is valid JSON
 * for the same text.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes one log line to stderr through `escapeControl`: what the CLI logs is read on a terminal too. */
export function writeLogLine(line: string): void {
  process.stderr.write(escapeControl(line) + '\n');
}
