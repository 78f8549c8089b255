import {
  DETAILS_UNAVAILABLE,
  escapeHtml,
  renderProductPage,
  REVIEWS_UNAVAILABLE,
  type PageModel,
} from './render.js';

const product = { id: 0, title: 'The Comedy of Errors', descriptionHtml: '<b>play</b>' };

describe('renderProductPage', () => {
  it('marks the reviews block with the version and shows stars in its colour', () => {
    const page = renderProductPage({
      product,
      details: { author: 'William Shakespeare', pages: 200 },
      reviews: {
        version: 'v3',
        podname: 'reviews-v3',
        reviews: [
          { reviewer: 'Reviewer1', text: 'fun', rating: { stars: 5, color: 'red' } },
          { reviewer: 'Reviewer2', text: 'deep', rating: { stars: 4, color: 'red' } },
        ],
      },
    });
    expect(page).toContain('data-reviews-version="v3"');
    expect(page).toContain('<span class="stars" style="color:red">★★★★★</span>');
    expect(page).toContain('<span class="stars" style="color:red">★★★★☆</span>');
    expect(page).toContain('<dt>Author:</dt><dd>William Shakespeare</dd>');
    expect(page).toContain('<dd>reviews-v3</dd>');
    expect(page).toContain('name="username"');
  });

  it('shows no stars for v1, and the ratings error when a review has one', () => {
    const page = renderProductPage({
      product,
      reviews: {
        version: 'v2',
        podname: 'reviews-v2',
        reviews: [
          { reviewer: 'Reviewer1', text: 'fun' },
          {
            reviewer: 'Reviewer2',
            text: 'deep',
            rating: { error: 'Ratings service is currently unavailable' },
          },
        ],
      },
    });
    expect(page).not.toContain('class="stars"');
    expect(page).toContain('Ratings service is currently unavailable');
  });

  it('says what is unavailable when a call failed', () => {
    const page = renderProductPage({ product });
    expect(page).toContain(DETAILS_UNAVAILABLE);
    expect(page).toContain(REVIEWS_UNAVAILABLE);
    expect(page).toContain('data-reviews-version="none"');
  });

  it('shows the signed-in user, escaped, with a sign-out link', () => {
    const page = renderProductPage({ product, user: 'jason' });
    expect(page).toContain('Signed in as jason');
    expect(page).toContain('href="/logout"');
    expect(page).not.toContain('name="username"');
    expect(renderProductPage({ product, user: '<i>x</i>' })).toContain(
      'Signed in as &#60;i&#62;x&#60;/i&#62;',
    );
  });

  it('escapes what other services said and keeps odd colours and star counts in bounds', () => {
    const model: PageModel = {
      product,
      details: { author: '<script>alert(1)</script>' },
      reviews: {
        version: '"><script>',
        podname: 'p',
        reviews: [
          {
            reviewer: 'r',
            text: '<img src=x>',
            rating: { stars: 9, color: 'red;background:url(x)' },
          },
          { reviewer: 'r', text: 't', rating: { stars: -3, color: 'red' } },
        ],
      },
    };
    const page = renderProductPage(model);
    expect(page).not.toMatch(/<script>|<img/);
    expect(page).toContain('<span class="stars" style="color:black">★★★★★</span>');
    expect(page).toContain('<span class="stars" style="color:red">☆☆☆☆☆</span>');
    expect(escapeHtml(`&<>"'`)).toBe('&#38;&#60;&#62;&#34;&#39;');
  });
});
