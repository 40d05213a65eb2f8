/**
 * Typed errors thrown by the library. Each carries the facts a person needs to fix the input
 * (file, field, op, shapes); the CLI prints `message` and exits, the library never does.
 */
export class LatentlabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor has the wrong shape for an op, a module boundary or a file field. */
export class ShapeError extends LatentlabError {}

/** A tensor has the wrong element type. */
export class DTypeError extends LatentlabError {}

/** An op is used in a way the graph layer cannot express (unknown op, missing VJP, bad attribute). */
export class UnsupportedOpError extends LatentlabError {}

/** A graph is malformed: cycles, inputs that are not fed, outputs that are not values. */
export class GraphError extends LatentlabError {}

/** The runtime (ONNX Runtime) refused a model or failed to run it. */
export class RuntimeFailure extends LatentlabError {}

/** A checkpoint or data file is malformed, unsafe or unsupported. */
export class CheckpointError extends LatentlabError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A file format cannot be read or written (npy, safetensors, IDX, images...). */
export class FormatError extends LatentlabError {}

/** A user-supplied option or argument is invalid. */
export class ArgumentError extends LatentlabError {}
