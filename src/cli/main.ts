import { LatentlabError, setSessionDefaults } from '../index.js';
import { formatFlags, parseArgs } from './args.js';
import type { Command } from './command.js';
import { exportCommand } from './commands/exportModel.js';
import { generateCommand } from './commands/generate.js';
import { renderCommand } from './commands/render.js';
import { importCommand } from './commands/importModel.js';
import { infoCommand } from './commands/info.js';
import { interpolateCommand } from './commands/interpolate.js';
import { arithCommand } from './commands/arith.js';
import { mixCommand } from './commands/mix.js';
import { truncationCommand } from './commands/truncation.js';
import { noiseCommand } from './commands/noise.js';
import { latentCommand } from './commands/latent.js';
import { metricsCommand } from './commands/metrics.js';
import { projectCommand } from './commands/project.js';
import { selftestCommand } from './commands/selftest.js';
import { startCommand } from './commands/start.js';
import { studioCommand } from './commands/studio.js';
import { trainCommand } from './commands/train.js';
import { directionsCommand } from './commands/directions.js';
import { editCommand } from './commands/edit.js';
import { encodeCommand } from './commands/encode.js';
import { workerCommand } from './commands/worker.js';

const commands: readonly Command[] = [
  generateCommand,
  renderCommand,
  interpolateCommand,
  mixCommand,
  truncationCommand,
  noiseCommand,
  arithCommand,
  latentCommand,
  projectCommand,
  encodeCommand,
  directionsCommand,
  editCommand,
  trainCommand,
  metricsCommand,
  importCommand,
  exportCommand,
  infoCommand,
  studioCommand,
  workerCommand,
  startCommand,
  selftestCommand,
];

function help(): string {
  const verbs = commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n');
  return [
    'latentlab — a laboratory for the latent space of GANs (ONNX Runtime, no Python, no CUDA build)',
    '',
    'usage: latentlab <command> [flags]      latentlab <command> --help',
    '',
    'commands:',
    verbs,
    '',
    'global flags: --debug (print stack traces), --threads N (ONNX Runtime threads),',
    '  --max-tensor-bytes SIZE (tensor bytes one checkpoint may hold, e.g. 16G; default 64 MiB + 4 × file size, at most 8 GiB)',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const flags = c.flagHelp ? c.flagHelp() : c.flags.length ? formatFlags(c.flags) : '  (no flags)';
  return [`${c.usage}`, '', c.summary, '', flags].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  argv = argv.filter((a) => a !== '--debug');
  const budgetAt = argv.indexOf('--max-tensor-bytes');
  if (budgetAt >= 0) {
    // read by formats/budget.ts in this process and in worker processes it starts
    process.env.LATENTLAB_MAX_TENSOR_BYTES = argv[budgetAt + 1] ?? '';
    argv.splice(budgetAt, 2);
  }
  const threadsAt = argv.indexOf('--threads');
  const threads = threadsAt >= 0 ? argv.splice(threadsAt, 2)[1] : undefined;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const [verb, ...rest] = argv;
  try {
    if (threads !== undefined) setSessionDefaults({ threads: Number(threads) });
    if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
      out(help());
      return 0;
    }
    const cmd = commands.find((c) => c.name === verb);
    if (!cmd) {
      process.stderr.write(`latentlab: unknown command '${verb}'\n\n${help()}\n`);
      return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      out(commandHelp(cmd));
      return 0;
    }
    if (cmd.runArgv) await cmd.runArgv(rest, out);
    else await cmd.run(parseArgs(rest, cmd.flags, cmd.name), out);
    return 0;
  } catch (err) {
    const e = err as Error;
    const known = err instanceof LatentlabError;
    process.stderr.write(`latentlab ${verb}: ${known ? e.message : `unexpected error: ${e.message}`}\n`);
    if (debug || !known) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
