import { joinCell, labelsCell, renderTable } from './table.js';

describe('renderTable', () => {
  it('pads every column but the last by its widest cell plus three spaces', () => {
    expect(
      renderTable(
        ['NAME', 'HOSTS', 'RESOURCE VERSION'],
        [
          ['reviews', 'reviews', '7'],
          ['a', 'productpage.default.svc.cluster.local', '12'],
        ],
      ),
    ).toBe(
      'NAME      HOSTS                                   RESOURCE VERSION\n' +
        'reviews   reviews                                 7\n' +
        'a         productpage.default.svc.cluster.local   12\n',
    );
  });

  it('leaves no trailing blanks when the last cells are empty', () => {
    expect(renderTable(['A', 'B'], [['x', '']])).toBe('A   B\nx\n');
  });

  it('prints only the header for no rows', () => {
    expect(renderTable(['NAME'], [])).toBe('NAME\n');
  });
});

describe('cells', () => {
  it('joins lists and labels, <none> when empty', () => {
    expect(joinCell(['a', 'b'])).toBe('a,b');
    expect(joinCell([])).toBe('<none>');
    expect(labelsCell({ app: 'reviews', version: 'v1' })).toBe('app=reviews,version=v1');
    expect(labelsCell(undefined)).toBe('<none>');
  });
});
