import { createReadStream, existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportOnnx, type GanModel } from '../../../index.js';
import { directionJson } from '../../webExport.js';
import type { Studio } from '../app.js';
import { ortWebDist, ortWebFiles } from '../webBuild.js';
import { createHash } from 'node:crypto';

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const GRAPH_FILES = new Set(['onnx.json', 'model.json', 'mapping.onnx', 'synthesis.onnx', 'generator.onnx', 'noise_const.safetensors']);

/**
 * What the studio's "compute in the browser" mode loads (src/studio/web/src/browserCompute.ts):
 * onnxruntime-web's files from node_modules under /ort/, a model's batch-1 generator graphs under a
 * content-addressed URL (exported once into WORKSPACE/.onnx-cache/<contentHash>/, so the page caches them
 * by URL), and direction sets as step vectors.
 */
export function registerBrowserComputeRoutes({ app, models, workspace }: Studio): void {
  const ortFiles = new Set(ortWebFiles(true));
  app.get<{ Params: { file: string } }>('/ort/:file', async (req, reply) => {
    const { file } = req.params;
    if (!ortFiles.has(file)) return reply.status(404).send({ error: `no onnxruntime-web file '${file}'`, statusCode: 404 });
    return reply
      .type(TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(join(ortWebDist(), file)));
  });

  const exports = new Map<string, Promise<string>>();
  const exported = (model: GanModel, hash: string): Promise<string> => {
    let p = exports.get(hash);
    if (!p) {
      p = (async () => {
        const dir = join(workspace.root, '.onnx-cache', hash);
        if (existsSync(join(dir, 'onnx.json'))) return dir;
        const partial = `${dir}.partial-${process.pid}`;
        await rm(partial, { recursive: true, force: true });
        await exportOnnx(model, partial, 1, { generatorOnly: true });
        const onnx = JSON.parse(await readFile(join(partial, 'onnx.json'), 'utf8')) as { graphs: { file: string }[]; noiseConst: { file: string } | null; hashes?: Record<string, string> };
        onnx.hashes = {};
        for (const f of [...onnx.graphs.map((g) => g.file), ...(onnx.noiseConst ? [onnx.noiseConst.file] : [])])
          onnx.hashes[f] = createHash('sha256').update(await readFile(join(partial, f))).digest('hex');
        await writeFile(join(partial, 'onnx.json'), JSON.stringify(onnx));
        await rename(partial, dir);
        return dir;
      })();
      exports.set(hash, p);
      p.catch(() => exports.delete(hash));
    }
    return p;
  };
  const hashOf = (model: GanModel) => model.manifest.contentHash ?? createHash('sha256').update(JSON.stringify(model.manifest)).digest('hex');

  /** Where the page finds a model's graphs: { base } (its content hash in the path). */
  app.get<{ Params: { name: string } }>('/api/models/:name/onnx', async (req) => {
    const model = await models.get(req.params.name);
    return { base: `/api/models/${encodeURIComponent(req.params.name)}/onnx/${hashOf(model)}/`, resolution: model.resolution };
  });

  app.get<{ Params: { name: string; hash: string; file: string } }>('/api/models/:name/onnx/:hash/:file', async (req, reply) => {
    const { name, hash, file } = req.params;
    const model = await models.get(name);
    if (hash !== hashOf(model) || !GRAPH_FILES.has(file)) return reply.status(404).send({ error: `no ${file} for ${name} at ${hash}`, statusCode: 404 });
    const dir = await exported(model, hash);
    if (!existsSync(join(dir, file))) return reply.status(404).send({ error: `${name} has no ${file}`, statusCode: 404 });
    return reply
      .type(TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(createReadStream(join(dir, file)));
  });

  /** A direction file of the workspace as step vectors for in-page edits. */
  app.get<{ Querystring: { model: string; path: string } }>('/api/directions/steps', async (req) => {
    const model = await models.get(String(req.query.model));
    return directionJson(model, workspace.resolve(String(req.query.path)), String(req.query.path));
  });
}
