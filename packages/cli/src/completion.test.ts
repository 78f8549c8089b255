// The completion scripts in real shells: bash sources the script and runs the function that
// `complete -F` registered, with COMP_WORDS and COMP_CWORD set as bash sets them on Tab.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PROXY_CONFIG_TYPES,
  RESOURCE_TYPES,
  SHELLS,
  bashScript,
  shellFunctions,
  zshScript,
} from './completion.js';
import { parseKinds } from './kinds.js';
import { createProgram, runMeshctl } from './program.js';
import { parseConfigType } from './proxy-config.js';
import { removeTempTrees, tempTree } from './test-support/fixtures.js';
import { memoryIo } from './test-support/memory-io.js';

const program = createProgram(memoryIo());
let dir: string;

beforeAll(() => {
  dir = tempTree({ 'reviews.yaml': '', 'ratings.yaml': '', 'samples/vs.yaml': '' });
  writeFileSync(join(dir, 'meshctl.bash'), bashScript(program));
  writeFileSync(join(dir, 'meshctl.zsh'), zshScript(program));
  writeFileSync(join(dir, 'functions.sh'), shellFunctions(program));
});
afterAll(removeTempTrees);

function commandPath(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * What bash offers on Tab after `line` (the words as bash splits them; the last one is the word
 * being completed), sorted. Runs the function `complete -p meshctl` names, as bash would.
 */
function bashComplete(...line: string[]): string[] {
  const harness = `
source ./meshctl.bash || exit 1
spec=$(complete -p meshctl) || exit 1
fn=\${spec#*-F }
fn=\${fn%% *}
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=\${#COMP_LINE}
"$fn" meshctl "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', harness, 'bash', ...line], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bash failed (${r.status}): ${r.stderr}`);
  expect(r.stderr).toBe('');
  return r.stdout
    .split('\n')
    .filter((w) => w !== '')
    .sort();
}

const sorted = (words: readonly string[]) => [...words].sort();

describe('meshctl completion bash', () => {
  it('is valid bash and registers a function with complete -F', () => {
    const syntax = spawnSync('bash', ['-n', join(dir, 'meshctl.bash')], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
    expect(bashScript(program)).toMatch(/^complete -F _meshctl meshctl$/m);
  });

  it('completes command names: meshctl pr -> proxy-config proxy-status', () => {
    expect(bashComplete('meshctl', 'pr')).toEqual(['proxy-config', 'proxy-status']);
    expect(bashComplete('meshctl', '--debug', 'ge')).toEqual(['get']);
    expect(bashComplete('meshctl', 'help', 'pr')).toEqual(['proxy-config', 'proxy-status']);
  });

  it("completes get's and delete's resource types", () => {
    expect(bashComplete('meshctl', 'get', '')).toEqual(sorted(RESOURCE_TYPES));
    expect(bashComplete('meshctl', 'get', '-n', 'bookinfo', 'v')).toEqual(['virtualservices']);
    expect(bashComplete('meshctl', 'get', 'vs', '')).toEqual([]);
    expect(bashComplete('meshctl', 'delete', 'd')).toEqual(['destinationrules']);
    // delete TYPE NAME NAME...: only the first word is a type
    expect(bashComplete('meshctl', 'delete', 'dr', 'd')).toEqual([]);
  });

  it('completes option values: up --demo, -o, and --output= as bash splits it', () => {
    expect(bashComplete('meshctl', 'up', '--demo', '')).toEqual(['bookinfo']);
    expect(bashComplete('meshctl', 'get', 'vs', '-o', '')).toEqual([
      'json',
      'name',
      'table',
      'yaml',
    ]);
    expect(bashComplete('meshctl', 'get', 'vs', '--output', '=')).toEqual([
      'json',
      'name',
      'table',
      'yaml',
    ]);
    expect(bashComplete('meshctl', 'get', 'vs', '--output', '=', 'y')).toEqual(['yaml']);
    expect(bashComplete('meshctl', 'version', '-o', '')).toEqual(['json', 'text', 'yaml']);
    expect(bashComplete('meshctl', 'completion', '')).toEqual(['bash', 'zsh']);
    // a free-text value completes nothing, and the word after it is an argument again
    expect(bashComplete('meshctl', 'get', '-n', '')).toEqual([]);
  });

  it('completes proxy-config types, also through the alias pc', () => {
    expect(bashComplete('meshctl', 'proxy-config', '')).toEqual(sorted(PROXY_CONFIG_TYPES));
    expect(bashComplete('meshctl', 'pc', 'r')).toEqual(['routes']);
    expect(bashComplete('meshctl', 'ps', '--o')).toEqual(['--output']);
  });

  it('completes file names after -f', () => {
    expect(bashComplete('meshctl', 'validate', '-f', 'r')).toEqual([
      'ratings.yaml',
      'reviews.yaml',
    ]);
    expect(bashComplete('meshctl', 'apply', '--filename', 'sam')).toEqual(['samples']);
  });

  it('completes every command and every option of the program', () => {
    const commands = program.commands.map((c) => c.name());
    expect(bashComplete('meshctl', '')).toEqual(sorted([...commands, 'help']));
    for (const command of program.commands) {
      const flags = command.options.flatMap((o) => [o.short, o.long]).filter((f) => f);
      expect(bashComplete('meshctl', command.name(), '-')).toEqual(
        sorted([...(flags as string[]), '-h', '--help', '--debug']),
      );
    }
  });
});

describe('the words it offers', () => {
  it.each(RESOURCE_TYPES)('get accepts the resource type %s', (type) => {
    expect(() => parseKinds(type)).not.toThrow();
  });

  it.each(PROXY_CONFIG_TYPES)('proxy-config accepts the type %s', (type) => {
    expect(() => parseConfigType(type)).not.toThrow();
  });

  it('version -o and completion SHELL offer what their commands take', async () => {
    const version = program.commands.find((c) => c.name() === 'version')!;
    const output = version.options.find((o) => o.long === '--output')!;
    expect(output.argChoices).toEqual([...(await import('./version-command.js')).VERSION_OUTPUTS]);
    const completion = program.commands.find((c) => c.name() === 'completion')!;
    expect(completion.registeredArguments[0]!.argChoices).toEqual([...SHELLS]);
  });
});

describe('the shell functions both scripts share', () => {
  it('are POSIX sh: the same answers from sh as from bash', () => {
    const sh = (...args: string[]) => {
      const r = spawnSync('sh', ['-c', '. ./functions.sh && __meshctl_words "$@"', 'sh', ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter((w) => w !== '');
    };
    expect(sh('', 'up', '--demo')).toEqual(['bookinfo']);
    expect(sh('', 'get')).toEqual([...RESOURCE_TYPES]);
    expect(sh('--output=', 'get', 'vs')).toEqual([
      '--output=table',
      '--output=yaml',
      '--output=json',
      '--output=name',
    ]);
    expect(sh('', 'apply', '-f')).toEqual(['__files__']);
    expect(sh('pr')).toContain('proxy-status');
  });

  it('are in the zsh script as in the bash one, run in sh emulation', () => {
    const zsh = zshScript(program);
    expect(zsh.split('\n')[0]).toBe('#compdef meshctl');
    expect(zsh.replace(/\n {2}emulate -L sh/g, '')).toContain(shellFunctions(program));
    expect(zsh).toContain('compdef _meshctl meshctl');
  });
});

describe('meshctl completion zsh', () => {
  // zsh is a test dependency (.ci/run installs it): without it this fails, saying so.
  const zsh = () => {
    const path = commandPath('zsh');
    if (!path) throw new Error('zsh is not installed: apt-get install zsh (.ci/run does)');
    return path;
  };

  it('is valid zsh (zsh -n)', () => {
    const r = spawnSync(zsh(), ['-n', join(dir, 'meshctl.zsh')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('registers _meshctl for meshctl with compinit, as a user sources it', () => {
    const r = spawnSync(
      zsh(),
      [
        '-f',
        '-c',
        `autoload -U compinit && compinit -u -D && source ${join(dir, 'meshctl.zsh')} && print -r -- $_comps[meshctl]`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('_meshctl');
  });
});

describe('meshctl completion', () => {
  it.each(SHELLS)('prints the %s script on stdout', async (shell) => {
    const io = memoryIo();
    expect(await runMeshctl(['completion', shell], io)).toBe(0);
    expect(io.out()).toBe(shell === 'bash' ? bashScript(program) : zshScript(program));
    expect(io.err()).toBe('');
  });

  it('names the shells it knows on a wrong one', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['completion', 'fish'], io)).toBe(2);
    expect(io.err()).toBe(
      "meshctl: error: command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.\n(run with --help for usage)\n",
    );
  });

  it('shows how to load it in its help', async () => {
    const io = memoryIo();
    expect(await runMeshctl(['completion', '--help'], io)).toBe(0);
    expect(io.out()).toContain('source <(meshctl completion bash)');
    expect(io.out()).toContain('meshctl completion zsh > "${fpath[1]}/_meshctl"');
  });
});
