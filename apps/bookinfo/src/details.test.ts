import type { RunningService } from './service.js';
import { getJson, startOnPort0 } from './test-support/http.js';

describe('details v1', () => {
  let details: RunningService;
  beforeAll(async () => {
    details = await startOnPort0({ service: 'details', version: 'v1' });
  });
  afterAll(() => details.close());

  it('answers the book of any numeric id', async () => {
    expect(await getJson(details.port, '/details/0')).toEqual({
      status: 200,
      body: {
        id: 0,
        author: 'William Shakespeare',
        year: 1595,
        type: 'paperback',
        pages: 200,
        publisher: 'PublisherA',
        language: 'English',
        'ISBN-10': '1234567890',
        'ISBN-13': '123-1234567890',
      },
    });
    expect((await getJson(details.port, '/details/42')).body).toMatchObject({ id: 42 });
  });

  it('refuses a non-numeric id with 400 JSON', async () => {
    expect(await getJson(details.port, '/details/abc')).toEqual({
      status: 400,
      body: { error: 'please provide numeric product ID' },
    });
  });
});
