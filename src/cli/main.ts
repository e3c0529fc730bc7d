#!/usr/bin/env node
/**
 * The `velocity` command line: `serve`, `demo`, `query`, `prune`, `migrate`, each in its own
 * module. Exit codes: 0 success; 2 a usage mistake (unknown command or flag, bad value, bad
 * query parameter), reported as one `velocity: …` line; 1 any other failure (store, I/O,
 * network), also one line, never a stack trace.
 * @module
 */
import { readFileSync } from 'node:fs';
import { VelocityError } from '../errors.js';
import { UsageError, commandUsage, parseFlags, type Command } from './args.js';
import { demoCommand } from './demo.js';
import { migrateCommand } from './migrate.js';
import { pruneCommand } from './prune.js';
import { queryCommand } from './query.js';
import { serveCommand } from './serve.js';

const COMMANDS: readonly Command[] = [serveCommand, demoCommand, queryCommand, pruneCommand, migrateCommand];

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: velocity <command> [flags]',
    '',
    'Velocity: per-route request history of a Node.js service, in one-minute windows.',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'flags:',
    '  -h, --help     show this help; `velocity <command> --help` for a command\'s flags',
    '  -v, --version  print the version',
    '',
    'Settings come from the flag, else the VELOCITY_* environment variable, else the default.',
    '',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (command === undefined) {
      throw new UsageError(name.startsWith('-') ? `unknown flag ${name}` : `unknown command '${name}'`);
    }
    const flags = parseFlags(command, rest);
    if (flags.help === true) {
      process.stdout.write(commandUsage(command));
      return 0;
    }
    return await command.run(flags);
  } catch (error) {
    return report(error, command?.name);
  }
}

/** Prints `error` as one line and returns the exit code it calls for. */
function report(error: unknown, commandName: string | undefined): number {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const hint = `(try 'velocity ${commandName === undefined ? '' : `${commandName} `}--help')`;
  const usageMistake = error instanceof UsageError || (error instanceof VelocityError && error.status < 500);
  process.stderr.write(usageMistake ? `velocity: ${message} ${hint}\n` : `velocity: ${message}\n`);
  return usageMistake ? 2 : 1;
}

process.exitCode = await main(process.argv.slice(2));
