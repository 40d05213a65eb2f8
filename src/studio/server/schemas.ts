// JSON schemas of the studio API (fastify validates bodies with them: a mismatch is a 400 naming the field).

export const MODEL_NAME = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$' } as const;
export const FILE_NAME = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$' } as const;
/** A path relative to the workspace (traversal is refused again by Workspace.resolve). */
export const WORKSPACE_PATH = { type: 'string', minLength: 1, maxLength: 400 } as const;

/** A ws-row range as the CLI's --layers takes it: coarse | middle | fine | all | 0-3 | 4,6 | coarse+fine. */
export const LAYER_SPEC = { type: 'string', pattern: '^[a-z0-9,+ -]{1,64}$' } as const;

const seed = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;

/** The seed-latent fields shared by grids, renders, saves and jobs (no defaults here: the verbs' resolvers decide them). */
export const seedSpecProperties = {
  psi: { type: 'number', minimum: -2, maximum: 2 },
  cutoff: { anyOf: [{ type: 'integer', minimum: 1, maximum: 64 }, { type: 'null' }] },
  noiseMode: { type: 'string', enum: ['const', 'random', 'none'] },
  noiseSeed: { type: 'integer', minimum: 0, maximum: 4294967295 },
  classIndex: { type: 'integer', minimum: 0, maximum: 100000 },
} as const;

export function seedsArray(maxItems: number) {
  return { type: 'array', items: seed, minItems: 1, maxItems } as const;
}

export const gridBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'seeds'],
  properties: {
    model: MODEL_NAME,
    seeds: seedsArray(64),
    ...seedSpecProperties,
    columns: { type: 'integer', minimum: 1, maximum: 16 },
    scale: { type: 'integer', minimum: 1, maximum: 16 },
  },
} as const;

/** One edit of a render: direction `component` of a direction file, `strength` in its units, on ws rows [start, end). */
export const editItem = {
  type: 'object',
  additionalProperties: false,
  required: ['directions', 'component', 'strength'],
  properties: {
    directions: WORKSPACE_PATH,
    component: { type: 'integer', minimum: 0, maximum: 4096 },
    strength: { type: 'number', minimum: -100, maximum: 100 },
    layers: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 64 }, minItems: 2, maxItems: 2 },
  },
} as const;

/** One latent to render: a seed (with the seed fields) or a saved latent file (and a row of it). */
export const renderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: MODEL_NAME,
    seed,
    latent: WORKSPACE_PATH,
    row: { type: 'integer', minimum: 0 },
    ...seedSpecProperties,
    scale: { type: 'integer', minimum: 1, maximum: 16 },
    edits: { type: 'array', items: editItem, maxItems: 16 },
    resampleNoise: {
      type: 'object',
      additionalProperties: false,
      required: ['layers', 'seed'],
      properties: { layers: LAYER_SPEC, seed: { type: 'integer', minimum: 0, maximum: 4294967295 } },
    },
  },
} as const;

export const renderSeedsJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'seeds'],
  properties: {
    model: MODEL_NAME,
    seeds: seedsArray(2048),
    ...seedSpecProperties,
    scale: { type: 'integer', minimum: 1, maximum: 16 },
    columns: { type: 'integer', minimum: 1, maximum: 64 },
  },
} as const;

export const jobIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9]{1,16}-[a-f0-9]{6}$' } },
} as const;

export const modelParams = { type: 'object', required: ['name'], properties: { name: MODEL_NAME } } as const;

export const importModelJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['file', 'name'],
  properties: {
    file: WORKSPACE_PATH,
    name: MODEL_NAME,
    network: { type: 'string', enum: ['G_ema', 'G', 'g_ema', 'g'] },
  },
} as const;

/** A keyframe: a seed or a saved latent file (every row of it). */
const keyframeRef = {
  type: 'object',
  additionalProperties: false,
  properties: { seed, latent: WORKSPACE_PATH },
} as const;

/** NVIDIA's style-mixing figure: row seeds keep their other layers, column seeds give `layers`. */
export const mixBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: MODEL_NAME,
    rows: seedsArray(8),
    cols: seedsArray(8),
    /** Saved latents as rows / columns (crossing saved latents), instead of or after the seeds. */
    rowLatents: { type: 'array', items: WORKSPACE_PATH, maxItems: 8 },
    colLatents: { type: 'array', items: WORKSPACE_PATH, maxItems: 8 },
    layers: { ...LAYER_SPEC, default: 'coarse' },
    ...seedSpecProperties,
    scale: { type: 'integer', minimum: 1, maximum: 8, default: 2 },
  },
} as const;

const interpolationProperties = {
  model: MODEL_NAME,
  keys: { type: 'array', items: keyframeRef, minItems: 2, maxItems: 8 },
  steps: { type: 'integer', minimum: 1, maximum: 64, default: 8 },
  method: { type: 'string', enum: ['lerp', 'slerp', 'spline'] },
  loop: { type: 'boolean', default: false },
  layers: LAYER_SPEC,
  ...seedSpecProperties,
} as const;

/** A strip of interpolation frames between 2-8 keyframes (seeds or saved latents). */
export const interpolateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'keys'],
  properties: { ...interpolationProperties, scale: { type: 'integer', minimum: 1, maximum: 8, default: 2 } },
} as const;

/** The same path exported as an animated GIF (a job). */
export const interpolateGifJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'keys'],
  properties: {
    ...interpolationProperties,
    scale: { type: 'integer', minimum: 1, maximum: 16, default: 4 },
    fps: { type: 'integer', minimum: 1, maximum: 60, default: 24 },
    video: { type: 'string', enum: ['none', 'mp4', 'webm'], default: 'none' },
  },
} as const;

/** Projection of an uploaded image (and optional mask) into a latent space. */
export const projectJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'image'],
  properties: {
    model: MODEL_NAME,
    image: WORKSPACE_PATH,
    mask: WORKSPACE_PATH,
    space: { type: 'string', enum: ['z', 'w', 'w+'] },
    optimizer: { type: 'string', enum: ['adam', 'lbfgs'] },
    steps: { type: 'integer', minimum: 1, maximum: 5000, default: 300 },
    loss: { type: 'string', enum: ['pixel', 'pixel+classifier', 'pixel+discriminator'] },
    prior: { type: 'number', minimum: 0, maximum: 100 },
    noise: { type: 'boolean' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    init: { type: 'string', enum: ['mean', 'encoder', 'latent'] },
    initLatent: WORKSPACE_PATH,
  },
} as const;

/** Direction discovery on a StyleGAN2 model. */
export const directionsJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'method'],
  properties: {
    model: MODEL_NAME,
    method: { type: 'string', enum: ['sefa', 'ganspace', 'interfacegan'] },
    components: { type: 'integer', minimum: 1, maximum: 512, default: 16 },
    num: { type: 'integer', minimum: 100, maximum: 200000, default: 5000 },
  },
} as const;

/** The W-space PCA scatter: `samples` sampled w on pc0/pc1, and the latent of a render request with its edit path. */
export const pcaBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    ...renderBody.properties,
    samples: { type: 'integer', minimum: 100, maximum: 20000, default: 2000 },
  },
} as const;

/** Save a latent: what a render request describes, under a name; seeds are drawn into `space`. */
export const saveLatentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'name'],
  properties: {
    ...renderBody.properties,
    // checked by the route (a message that says what is allowed rather than a pattern)
    name: { type: 'string', minLength: 1, maxLength: 200 },
    space: { type: 'string', enum: ['z', 'w', 'w+'] },
    overwrite: { type: 'boolean' },
  },
} as const;
