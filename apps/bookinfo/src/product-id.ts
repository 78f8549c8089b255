import { RequestError } from './http-service.js';

/** The `{id}` of a Bookinfo path: a non-negative integer, else the client's mistake (400). */
export function productId(text: string | undefined): number {
  if (text === undefined || !/^\d{1,9}$/.test(text)) {
    throw new RequestError(400, 'please provide numeric product ID');
  }
  return Number(text);
}
