import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, loadInputs } from './inputs.js';
import { capturingNodeIo, removeTempTrees, tempTree } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

afterAll(removeTempTrees);

describe('loadInputs', () => {
  it('walks directories recursively for .yaml, .yml and .json files in code-point order', async () => {
    const root = tempTree({
      'b.yaml': 'b',
      'a/z.yml': 'z',
      'a/y.JSON': 'y',
      'B.yaml': 'B',
      'notes.txt': 'no',
      'a/deeper/x.yaml': 'x',
      Makefile: 'no',
    });
    const files = await loadInputs([root], [], capturingNodeIo());
    expect(files.map((f) => f.name)).toEqual(
      ['B.yaml', 'a/deeper/x.yaml', 'a/y.JSON', 'a/z.yml', 'b.yaml'].map((rel) => join(root, rel)),
    );
    expect(files.map((f) => f.text)).toEqual(['B', 'x', 'y', 'z', 'b']);
  });

  it('does not walk into node_modules or dot-directories, unless named with -f', async () => {
    const root = tempTree({
      'a.yaml': 'a',
      'node_modules/pkg/chart.yaml': 'n',
      '.git/x.yaml': 'g',
      '.github/workflows/ci.yml': 'w',
      'sub/node_modules/y.yaml': 'n2',
      'sub/b.yaml': 'b',
    });
    const files = await loadInputs([root], [], capturingNodeIo());
    expect(files.map((f) => f.name)).toEqual(['a.yaml', 'sub/b.yaml'].map((r) => join(root, r)));
    const named = await loadInputs([join(root, 'node_modules')], [], capturingNodeIo());
    expect(named.map((f) => f.name)).toEqual([join(root, 'node_modules/pkg/chart.yaml')]);
  });

  it('refuses a directory with no config files in it, as a usage error naming it', async () => {
    const root = tempTree({ 'docs/readme.md': '#', 'docs/node_modules/x.yaml': 'x' });
    await expect(loadInputs([join(root, 'docs')], [], capturingNodeIo())).rejects.toThrow(
      new InputError(
        `${join(root, 'docs')}: no .yaml, .yml or .json files in this directory (node_modules, dot-directories and --exclude matches are not walked)`,
      ),
    );
  });

  it('reads a file named explicitly whatever its extension, keeping -f order', async () => {
    const root = tempTree({ 'vs.txt': 'txt', 'a.yaml': 'a' });
    const files = await loadInputs(
      [join(root, 'vs.txt'), join(root, 'a.yaml')],
      [],
      capturingNodeIo(),
    );
    expect(files.map((f) => f.text)).toEqual(['txt', 'a']);
  });

  it('skips excluded names and paths while walking', async () => {
    const root = tempTree({
      'a.yaml': 'a',
      'tasks/t.yaml': 't',
      'x/tasks/t.yaml': 't',
      'x/keep.yaml': 'k',
    });
    const byName = await loadInputs([root], ['tasks'], capturingNodeIo());
    expect(byName.map((f) => f.name)).toEqual([join(root, 'a.yaml'), join(root, 'x/keep.yaml')]);
    const byPath = await loadInputs([root], ['x/tasks'], capturingNodeIo());
    expect(byPath.map((f) => f.name)).toEqual([
      join(root, 'a.yaml'),
      join(root, 'tasks/t.yaml'),
      join(root, 'x/keep.yaml'),
    ]);
  });

  it('reads symlinked files but does not follow symlinked directories (no loops)', async () => {
    const root = tempTree({ 'd/a.yaml': 'a' });
    symlinkSync(join(root, 'd/a.yaml'), join(root, 'd/link.yaml'));
    symlinkSync(root, join(root, 'd/loop'));
    const files = await loadInputs([root], [], capturingNodeIo());
    expect(files.map((f) => f.name)).toEqual([join(root, 'd/a.yaml'), join(root, 'd/link.yaml')]);
  });

  it('names a missing path in the error', async () => {
    const root = tempTree({});
    const missing = join(root, 'nope.yaml');
    await expect(loadInputs([missing], [], capturingNodeIo())).rejects.toThrow(
      new InputError(`${missing}: no such file or directory`),
    );
  });

  it('reads stdin for - once, however often it is named', async () => {
    const files = await loadInputs(
      ['-', 'a.yaml', '-'],
      [],
      memoryIo({ 'a.yaml': 'a' }, 'from stdin'),
    );
    expect(files).toEqual([
      { name: '<stdin>', text: 'from stdin' },
      { name: 'a.yaml', text: 'a' },
    ]);
  });
});
