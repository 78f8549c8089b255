// details-v1: the book's bibliographic facts. The same book for every id, as in Bookinfo.
import { json, type Route } from './http-service.js';
import { productId } from './product-id.js';

export function bookDetails(id: number) {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export function detailsRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/details/:id',
      handle: (req) => json(200, bookDetails(productId(req.params['id']))),
    },
  ];
}
