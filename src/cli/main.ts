/**
 * The `mandel` command line: parses flags, calls the library, maps errors to exit codes.
 * Exit codes: 0 done, 1 failed while running (Redis unreachable included), 2 bad usage
 * (flags, limits), 3 a cluster render not finished yet, 130 cancelled by Ctrl-C (SIGINT), 143 by
 * SIGTERM (128 + the signal's number, as a shell reports a process the signal killed).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isMandelError } from '../errors.js';
import { removeTemporaryFiles } from '../outputs/write.js';

/**
 * The commands, in the order help lists them, each loaded when it is needed: the one named on
 * the command line alone, or all of them for help and for a name to suggest against. Loading
 * the five others' modules cost every `mandel run` ~8 ms.
 */
const COMMANDS: Record<string, (signal: AbortSignal) => Promise<Command>> = {
  run: async (signal) => (await import('./run.js')).runCommand(signal),
  worker: async (signal) => (await import('./worker.js')).workerCommand(signal),
  submit: async (signal) => (await import('./cluster.js')).submitCommand(signal),
  status: async () => (await import('./cluster.js')).statusCommand(),
  result: async (signal) => (await import('./cluster.js')).resultCommand(signal),
  bench: async () => (await import('./bench.js')).benchCommand(),
  serve: async (signal) => (await import('./serve.js')).serveCommand(signal),
  movie: async (signal) => (await import('./movie.js')).movieCommand(signal),
};

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** `mandel result` on a render whose chunks are not all done yet. */
const EXIT_NOT_FINISHED = 3;
const EXIT_CANCELLED = 130;
const EXIT_TERMINATED = 143;

export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  // The first Ctrl-C cancels: the render stops, a file being written is dropped whole. A
  // second one exits at once — after removing any half-written temporary file.
  let cancelled = EXIT_CANCELLED;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      cancelled = signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_CANCELLED;
      return controller.abort();
    }
    removeTemporaryFiles();
    process.exit(cancelled);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let usageError: string | undefined;
  const program = new Command('mandel')
    .description('CPU-bound parallel computing on Node.js: the Mandelbrot set, on every core and many machines')
    .version(packageVersion(), '-V, --version', 'print the version of mandel')
    .exitOverride()
    .configureOutput({ outputError: (text) => (usageError = text.trim()) })
    .showSuggestionAfterError(true);
  // Commands built with `new Command` inherit nothing from the program unless told to.
  const named = argv[2] !== undefined && Object.hasOwn(COMMANDS, argv[2]) ? [argv[2]] : Object.keys(COMMANDS);
  const commands = (await Promise.all(named.map((name) => COMMANDS[name]!(controller.signal)))).map((command) =>
    command.copyInheritedSettings(program),
  );
  for (const command of commands) program.addCommand(command);
  if (argv.length <= 2) {
    // Bare `mandel`: the help is the answer, not an error.
    program.outputHelp();
    return EXIT_OK;
  }
  try {
    await program.parseAsync(argv);
    const ran = commands.find((command) => command.getOptionValue('exitCode') !== undefined);
    const code = (ran?.getOptionValue('exitCode') as number | undefined) ?? EXIT_OK;
    return code === EXIT_CANCELLED ? cancelled : code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_OK; // --help, --version
      process.stderr.write(`mandel: ${(usageError ?? error.message).replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    if (isMandelError(error)) {
      process.stderr.write(`mandel: ${error.message}\n`);
      if (error.code === 'ERR_ABORTED') return cancelled;
      if (error.code === 'ERR_NOT_FINISHED') return EXIT_NOT_FINISHED;
      return error.code === 'ERR_INVALID_OPTION' ||
        error.code === 'ERR_TOO_LARGE' ||
        error.code === 'ERR_UNKNOWN_KERNEL' ||
        error.code === 'ERR_UNKNOWN_BACKEND'
        ? EXIT_USAGE
        : EXIT_FAILED;
    }
    process.stderr.write(`mandel: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILED;
  }
  // The signal handlers stay until the process exits: a second Ctrl-C while it winds down
  // must still remove half-written files.
}

/** The version in mandel's package.json (two folders up from this file, in src/ and in dist/). */
function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
