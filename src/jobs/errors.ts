import { LatentlabError } from '../core/errors.js';

/** The job was cancelled (by a message, or its worker killed after the grace period). */
export class JobCancelled extends LatentlabError {}
/** A worker process died while running a job (crash, signal, abort). */
export class WorkerCrashed extends LatentlabError {}
/** A worker went past its memory cap (RSS watchdog or V8 heap limit) and was killed. */
export class WorkerOutOfMemory extends LatentlabError {}
/** A job ran past its time limit and its worker was killed. */
export class JobTimedOut extends LatentlabError {}
