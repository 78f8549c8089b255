// ratings-v1: the stars each reviewer gave. Same ratings for every id, as in Bookinfo.
import { json, type Route } from './http-service.js';
import { productId } from './product-id.js';

export function productRatings(id: number) {
  return { id, ratings: { Reviewer1: 5, Reviewer2: 4 } };
}

export function ratingsRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/ratings/:id',
      handle: (req) => json(200, productRatings(productId(req.params['id']))),
    },
  ];
}
