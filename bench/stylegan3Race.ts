/**
 * StyleGAN3-T 256 race, ours against NVIDIA's code, tightly interleaved (issue 19's bench):
 *
 *   npx tsx bench/stylegan3Race.ts --stylegan3 /path/to/NVlabs-stylegan3 [--cases b1,b8,projstep]
 *                                  [--rounds 3] [--reps 1] [--threads 2] [--python /usr/bin/python3]
 *
 * NVIDIA's generator runs in a long-lived python child (bench/peer/sg3_torch.py --serve, Debian's
 * python3-torch on the CPU), ours in this process (bench/stylegan3.ts cases). Per case, each round
 * times `reps` calls of ours and then `reps` calls of theirs, so both see the same load; the table
 * reports the best call of each (best-of is the figure least moved by other processes) and the
 * median, their ratio, the ratio of CPU seconds per call (process CPU time, all threads: on a
 * loaded machine the figure least moved by the others) and the 1-minute load average. One case is held in memory
 * at a time on each side (batch 8 at 256x256 needs several GiB).
 */
import { loadavg } from 'node:os';
import { Tensor } from '../src/core/tensor.js';
import { compile } from '../src/runtime/compile.js';
import { formatRace, raceRounds, startServedPeer } from './servedPeer.js';
import { stylegan3Cases } from './stylegan3.js';

interface Args {
  stylegan3: string;
  python: string;
  cases: string[];
  rounds: number;
  reps: number;
  threads: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { stylegan3: '', python: '/usr/bin/python3', cases: ['b1', 'b8', 'projstep'], rounds: 3, reps: 1, threads: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--stylegan3') a.stylegan3 = v;
    else if (k === '--python') a.python = v;
    else if (k === '--cases') a.cases = v.split(',');
    else if (k === '--rounds') a.rounds = Number(v);
    else if (k === '--reps') a.reps = Number(v);
    else if (k === '--threads') a.threads = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.stylegan3) throw new Error('--stylegan3 DIR (a checkout of NVlabs/stylegan3) is required');
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const peer = await startServedPeer(args.python, ['bench/peer/sg3_torch.py', '--stylegan3', args.stylegan3, '--threads', String(args.threads)]);
  console.log(`torch ${peer.hello.torch} (${peer.hello.threads} threads) vs latentlab (onnxruntime, ${args.threads} threads); load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const all = stylegan3Cases();
  for (const name of args.cases) {
    const c = all.find((x) => x.name === `sg3t256.${name}`);
    if (!c) throw new Error(`no case sg3t256.${name}`);
    const peerCase = name === 'projstep' ? 'projstep' : `gen.${name}`;
    const per = name === 'projstep' ? 1 : Number(name.slice(1));
    const exe = await compile(c.build(), { threads: args.threads });
    const feeds = c.feeds();
    const into = Object.fromEntries(exe.outputs.map((o) => [o.name, Tensor.zeros(o.dtype, o.shape)]));
    const result = await raceRounds(() => exe.runNamed(feeds, into), peer, peerCase, {
      rounds: args.rounds,
      reps: args.reps,
      onRound: (line) => console.log(`  ${name} ${line}`),
    });
    await exe.release();
    await peer.ask('drop');
    console.log(formatRace(c.name, per, result));
  }
  peer.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
