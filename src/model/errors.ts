/**
 * The one error type that reaches the user as a message (exit code 2), never as a stack trace.
 * `where` names the input (file and, when known, line) so the message says what was wrong where.
 */
export class HeapflameError extends Error {
  constructor(
    message: string,
    readonly where?: { file?: string; line?: number },
  ) {
    super(message);
    this.name = 'HeapflameError';
  }

  override toString(): string {
    const at = this.where?.file ? `${this.where.file}${this.where.line ? `:${this.where.line}` : ''}: ` : '';
    return `${at}${this.message}`;
  }
}
