/**
 * An S3 error answer: HTTP status, S3 error code, and a message for the client. Messages never
 * carry server paths; errors that are not StoreErrors answer 500 with a generic message and
 * are logged on the server.
 */
export class StoreError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
