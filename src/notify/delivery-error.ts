/** A failed attempt: what the server or AWS said, and whether another attempt may do better. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly detail: { httpStatus?: number; awsCode?: string } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
