// `meshctl completion bash|zsh`: a completion script generated from the commander program itself
// (its commands, aliases, options, option choices and argument choices), so it follows every
// new command and flag without being edited. Arguments whose values the commands parse
// themselves (get's resource types, proxy-config's config types) take their words from the same
// tables the parsers use.
//
// The completing is done by a few POSIX sh functions shared by both shells (completion.test.ts
// runs them in bash and in sh); each shell only adds a thin wrapper: `complete -F` for bash, a
// `#compdef` function calling `compadd` for zsh.
import { KINDS } from '@mesh/rules';
import type { Command, Option } from 'commander';
import { KIND_NAMES } from './kinds.js';
import { CONFIG_TYPES } from './proxy-config-source.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** What the shell functions print instead of words when a file name is wanted. */
export const FILES = '__files__';

/** `get` and `delete` TYPE: the plural of each kind (as kubectl completes them), and all. */
export const RESOURCE_TYPES: readonly string[] = [
  ...KINDS.map((kind) => KIND_NAMES[kind][1]!),
  'all',
];

/** proxy-config TYPE. */
export const PROXY_CONFIG_TYPES: readonly string[] = [...CONFIG_TYPES, 'all'];

/**
 * Words of arguments that commander sees as free text, by command and position. Commands not
 * listed here complete their arguments from commander's choices, or not at all (names, ids).
 */
const ARGUMENT_WORDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  get: [RESOURCE_TYPES],
  delete: [RESOURCE_TYPES],
  'proxy-config': [PROXY_CONFIG_TYPES],
};

interface OptionSpec {
  /** `-o` and `--output`. */
  flags: string[];
  /** undefined: takes no value; FILES: a file name; else the words (none: free text). */
  values?: readonly string[] | typeof FILES;
}

interface CommandSpec {
  name: string;
  aliases: string[];
  options: OptionSpec[];
  /** Words per argument position; `repeat`: also every later position (variadic choices). */
  args: { words: readonly string[]; repeat: boolean }[];
}

interface ProgramSpec {
  name: string;
  /** Options before any command (--debug, --version, --help). */
  options: OptionSpec[];
  commands: CommandSpec[];
}

function optionSpec(option: Option): OptionSpec {
  const flags = [option.short, option.long].filter((f): f is string => f !== undefined);
  if (!option.required && !option.optional) return { flags };
  if (option.argChoices) return { flags, values: option.argChoices };
  // `-f, --filename <path>`: the placeholder says whether a file name is wanted.
  const placeholder = /[<[]([^>\]]*)[>\]]/.exec(option.flags)?.[1] ?? '';
  return { flags, values: /path|file|dir/i.test(placeholder) ? FILES : [] };
}

/** The program as the shell functions need it: read through commander's public Help API. */
export function programSpec(program: Command): ProgramSpec {
  const help = program.createHelp();
  const programOptions = help.visibleOptions(program).map(optionSpec);
  // Options of the program that also work after a command (commander reads them anywhere).
  const global = programOptions.filter(
    (o) => !o.flags.some((f) => ['-h', '--help', '--version'].includes(f)),
  );
  const subcommands = help.visibleCommands(program);
  const commandNames = subcommands.map((c) => c.name()).filter((n) => n !== 'help');
  const commands = subcommands.map((command): CommandSpec => {
    const name = command.name();
    const args = command.registeredArguments.map((arg, i) =>
      arg.argChoices
        ? { words: arg.argChoices, repeat: arg.variadic }
        : {
            words: ARGUMENT_WORDS[name]?.[i] ?? (name === 'help' && i === 0 ? commandNames : []),
            repeat: false,
          },
    );
    return {
      name,
      aliases: command.aliases(),
      options: [...help.visibleOptions(command).map(optionSpec), ...global],
      args,
    };
  });
  return { name: program.name(), options: programOptions, commands };
}

// Words go into the script unquoted inside single quotes; anything else is our bug.
const WORD = /^[\w][\w.,:/@%+=-]*$|^--?[\w][\w-]*$/;

function words(list: readonly string[]): string {
  for (const w of list)
    if (!WORD.test(w)) throw new Error(`completion: "${w}" cannot be put in a shell script`);
  return list.length === 0 ? '' : ` ${list.map((w) => `'${w}'`).join(' ')}`;
}

const printWords = (list: readonly string[]) => `printf '%s\\n'${words(list)}`;

/**
 * The POSIX sh functions that do the completing. `__<name>_words CUR WORD...` prints, one per
 * line, the words that may replace CUR after `<name> WORD...`, or __files__ for a file name.
 * `prologue` is put first in each function body (zsh's `emulate -L sh`).
 */
export function shellFunctions(program: Command, prologue = ''): string {
  const spec = programSpec(program);
  const fn = `__${spec.name.replace(/\W/g, '_')}`;
  const first = prologue ? `\n  ${prologue}` : '';
  const cases = (lines: string[]) => lines.map((l) => `    ${l}\n`).join('');

  const aliasCases = spec.commands.flatMap((c) =>
    c.aliases.map((a) => `${words([a]).trim()}) echo ${words([c.name]).trim()} ;;`),
  );
  const scopes: { key: string; options: OptionSpec[] }[] = [
    { key: '', options: spec.options },
    ...spec.commands.map((c) => ({ key: c.name, options: c.options })),
  ];
  const optionCases = scopes.map(
    (s) =>
      `${s.key === '' ? "''" : words([s.key]).trim()}) ${printWords(s.options.flatMap((o) => o.flags))} ;;`,
  );
  const valueCases = scopes.flatMap((s) =>
    s.options
      .filter((o) => o.values !== undefined)
      .map((o) => {
        const pattern = o.flags.map((f) => `'${s.key} ${f}'`).join('|');
        const out =
          o.values === FILES ? `echo ${FILES}` : o.values!.length ? printWords(o.values!) : ':';
        return `${pattern}) ${out} ;;`;
      }),
  );
  const argumentCases = spec.commands
    .filter((c) => c.args.some((a) => a.words.length > 0))
    .map((c) => {
      const positions = c.args.flatMap((a, i) => {
        if (a.words.length === 0) return [];
        // A repeated (variadic) argument is the last one: any position from i on.
        const label = a.repeat ? '*' : String(i);
        const guard = a.repeat && i > 0 ? `[ "$2" -ge ${i} ] && ` : '';
        return [`        ${label}) ${guard}${printWords(a.words)} ;;`];
      });
      return `${words([c.name]).trim()})\n      case $2 in\n${positions.join('\n')}\n      esac\n      ;;`;
    });
  const commandWords = spec.commands.map((c) => c.name);

  return `# ${fn}_words CUR WORD...: the words that may replace CUR after \`${spec.name} WORD...\`, one per
# line, or ${FILES} when a file name is wanted.
${fn}_words() {${first}
  local cur cmd want n w v
  cur=$1
  shift
  cmd=
  want=
  n=0
  for w in "$@"; do
    if [ -n "$want" ]; then
      # bash splits --output=json into --output, =, json
      [ "$w" = "=" ] || want=
      continue
    fi
    case $w in
      --*=*) continue ;;
      -*)
        if ${fn}_values "$cmd" "$w" >/dev/null; then want=$w; fi
        continue
        ;;
    esac
    if [ -z "$cmd" ]; then
      cmd=$(${fn}_command "$w")
    else
      n=$((n + 1))
    fi
  done
  if [ -n "$want" ]; then
    ${fn}_values "$cmd" "$want"
    return 0
  fi
  case $cur in
    --*=*)
      w=\${cur%%=*}
      for v in $(${fn}_values "$cmd" "$w"); do
        [ "$v" = ${FILES} ] || printf '%s\\n' "$w=$v"
      done
      return 0
      ;;
    -*)
      ${fn}_options "$cmd"
      return 0
      ;;
  esac
  if [ -z "$cmd" ]; then
    ${printWords(commandWords)}
  else
    ${fn}_arguments "$cmd" "$n"
  fi
}

# ${fn}_command WORD: the command an alias stands for.
${fn}_command() {${first}
  case $1 in
${cases(aliasCases)}    *) echo "$1" ;;
  esac
}

# ${fn}_options COMMAND: its options ('' for those before a command).
${fn}_options() {${first}
  case $1 in
${cases(optionCases)}  esac
}

# ${fn}_values COMMAND OPTION: the option's values, ${FILES}, or nothing (free text); fails when
# the option takes no value.
${fn}_values() {${first}
  case "$1 $2" in
${cases(valueCases)}    *) return 1 ;;
  esac
}

# ${fn}_arguments COMMAND N: the words of the command's argument N (from 0).
${fn}_arguments() {${first}
  case $1 in
${argumentCases.map((c) => `    ${c}\n`).join('')}  esac
}
`;
}

function header(shell: Shell, program: Command): string {
  const name = program.name();
  return `# ${shell} completion for ${name}${program.version() ? ` ${program.version()}` : ''}, generated by \`${name} completion ${shell}\`.`;
}

export function bashScript(program: Command): string {
  const name = program.name();
  const fn = `__${name.replace(/\W/g, '_')}`;
  return `${header('bash', program)}
# Load it in this shell with: source <(${name} completion bash)

${shellFunctions(program)}
_${name.replace(/\W/g, '_')}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out w
  # after --output= bash hands over "=" as the word; what replaces it comes after the =
  [ "$cur" = "=" ] && cur=
  out=$(${fn}_words "$cur" "\${COMP_WORDS[@]:1:COMP_CWORD-1}")
  COMPREPLY=()
  if [ "$out" = ${FILES} ]; then
    compopt -o filenames 2>/dev/null
    while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen -f -- "$cur")
  else
    while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen -W "$out" -- "$cur")
  fi
}

complete -F _${name.replace(/\W/g, '_')} ${name}
`;
}

export function zshScript(program: Command): string {
  const name = program.name();
  const fn = `__${name.replace(/\W/g, '_')}`;
  const main = `_${name.replace(/\W/g, '_')}`;
  return `#compdef ${name}
${header('zsh', program)}
# Load it in this shell with: source <(${name} completion zsh)  (after compinit), or install it
# for every shell with: ${name} completion zsh > "\${fpath[1]}/${main}"

${shellFunctions(program, 'emulate -L sh')}
${main}() {
  local out
  out=$(${fn}_words "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")
  if [[ $out == ${FILES} ]]; then
    _files
  else
    compadd -- \${=out}
  fi
}

# Autoloaded from $fpath, this file is the body of ${main}: complete now. Sourced: register.
if [[ "\${funcstack[1]}" == ${main} ]]; then
  ${main} "$@"
else
  compdef ${main} ${name}
fi
`;
}

export function completionScript(shell: Shell, program: Command): string {
  return shell === 'bash' ? bashScript(program) : zshScript(program);
}
