/**
 * Thrown by the value parsers. Deliberately light (no stack capture cost matters only on failure) and
 * caught by the column builder, which knows the row, column, account and query to put in the message.
 */
export class ValueError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ValueError';
  }
}
