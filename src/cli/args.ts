/**
 * What every sub-command shares: its flag table (which drives both `util.parseArgs` and the
 * `--help` text), usage errors, and the parsing of flag values with the precedence
 * flag → `VELOCITY_*` environment variable → default.
 * @module
 */
import { parseArgs } from 'node:util';

/** One flag of a sub-command. */
export interface FlagSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** What the value looks like in the help (`PATH`, `N`); absent for a boolean flag. */
  readonly value?: string;
  /** The default as shown in the help. */
  readonly default?: string;
  /** The environment variable consulted when the flag is absent. */
  readonly env?: string;
  readonly help: string;
}

/** A sub-command: its name, one line of summary, its flags, and what it does with them. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** Lines printed after the flags in `--help` (examples, notes). */
  readonly notes?: readonly string[];
  /** Runs the command with its parsed flags; resolves to the exit code. */
  run(flags: Flags): Promise<number>;
}

/** Parsed flags: a string per flag with a value, `true` per boolean flag given. */
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** A mistake in how the CLI was called: a bad flag, a bad value, an unknown command (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `argv` against `command`'s flags (plus `--help`/`-h`), throwing a UsageError for anything unknown or malformed. */
export function parseFlags(command: Command, argv: readonly string[]): Flags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const flag of command.flags) options[flag.name] = { type: flag.value === undefined ? 'boolean' : 'string' };
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument '${/'([^']*)'/.exec(message)?.[1] ?? ''}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    return /does not take an argument/.test(message) ? `${flag} takes no value` : `${flag} needs a value`;
  }
  return message.split('\n')[0];
}

/** The `--help` text of a sub-command: usage line, summary, one line per flag with its default and variable. */
export function commandUsage(command: Command): string {
  const rows = command.flags.map((flag) => {
    const name = flag.value === undefined ? `--${flag.name}` : `--${flag.name} ${flag.value}`;
    const extras = [
      flag.default === undefined ? '' : `default: ${flag.default}`,
      flag.env === undefined ? '' : `env: ${flag.env}`,
    ].filter((extra) => extra !== '');
    return [name, extras.length === 0 ? flag.help : `${flag.help} [${extras.join("; ")}]`];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `usage: velocity ${command.name} [flags]`,
    '',
    command.summary,
    '',
    'flags:',
    ...rows.map(([name, help]) => `  ${name.padEnd(width)}  ${help}`),
    ...(command.notes === undefined ? [] : ['', ...command.notes]),
    '',
  ].join('\n');
}

/**
 * A string flag's value, else the environment variable's (when set and not empty), else
 * undefined; `source` names where it came from, for error messages.
 */
export function flagOrEnv(flags: Flags, name: string, envName: string): { value: string; source: string } | undefined {
  const flag = flags[name];
  if (typeof flag === 'string') return { value: flag, source: `--${name}` };
  const fromEnv = process.env[envName];
  return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, source: envName };
}

/** A string flag's value, or undefined when absent. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses a whole number within [min, max]; `source` (a flag like `--port` or a variable)
 * names it in the error.
 */
export function parseInteger(text: string, source: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${source}: "${text}" is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${source}: must be between ${min} and ${max} (got ${text})`);
  return value;
}
