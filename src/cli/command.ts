/** What a CLI command hands back: the exit code and the text to print. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
}
