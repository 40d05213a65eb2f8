import { realpathSync } from 'node:fs';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ArgumentError, writeFileAtomic as writeAtomically } from '../../index.js';

/** Folders of a studio workspace; everything the studio writes lives under one of them. */
export const WORKSPACE_DIRS = [
  'latents',
  'images',
  'jobs',
  'uploads',
  'models',
  'directions',
  '.partial',
] as const;
export type WorkspaceDir = (typeof WORKSPACE_DIRS)[number];

/** File and folder names a client may choose: letters, digits, '-', '_', '.', no leading dot. */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/**
 * The folder where the studio keeps latents, images, job results and uploads. Every client-supplied
 * path goes through `resolve()`, which refuses anything that would land outside the folder.
 */
export class Workspace {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async init(): Promise<void> {
    for (const d of WORKSPACE_DIRS) await mkdir(join(this.root, d), { recursive: true });
  }

  dir(d: WorkspaceDir): string {
    return join(this.root, d);
  }

  /**
   * A client-supplied relative path -> absolute path inside the workspace. Refuses absolute paths,
   * '..' escapes, NUL bytes and hidden segments (the .partial folder is the server's own).
   */
  resolve(rel: string): string {
    if (typeof rel !== 'string' || rel.length === 0 || rel.length > 400)
      throw new ArgumentError('path: expected a non-empty relative path');
    if (rel.includes('\0')) throw new ArgumentError('path: NUL byte');
    if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel))
      throw new ArgumentError(`path '${rel}' must be relative to the workspace`);
    const abs = resolve(this.root, rel);
    const inside = relative(this.root, abs);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
      throw new ArgumentError(`path '${rel}' is outside the workspace`);
    if (inside.split(sep).some((seg) => seg.startsWith('.')))
      throw new ArgumentError(`path '${rel}' names a hidden file`);
    return this.confine(abs, rel);
  }

  /**
   * `abs` (lexically inside the workspace) after following symbolic links: the real path of its
   * deepest existing ancestor must stay inside the workspace's real path, so a link inside the
   * workspace cannot serve /etc/passwd or feed a job a file from elsewhere. Paths that do not
   * exist yet are checked through their existing parent.
   */
  private confine(abs: string, rel: string): string {
    let root: string;
    try {
      root = realpathSync(this.root);
    } catch {
      return abs; // no workspace folder yet: nothing inside it exists, the lexical check is all there is
    }
    let probe = abs;
    let real: string | undefined;
    while (real === undefined) {
      try {
        real = realpathSync(probe);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ArgumentError(`path '${rel}': ${code ?? 'unreadable'}`);
        const up = dirname(probe);
        if (up === probe) break;
        probe = up;
      }
    }
    const inside = real === undefined ? '..' : relative(root, real);
    if (inside.startsWith('..') || isAbsolute(inside))
      throw new ArgumentError(`path '${rel}' leads outside the workspace through a symbolic link; refusing`);
    return abs;
  }

  /** A name chosen by a client (a latent's, an image's) checked against SAFE_NAME. */
  static checkName(name: string, what = 'name'): string {
    if (!SAFE_NAME.test(name))
      throw new ArgumentError(`${what} '${name}' must match ${SAFE_NAME} (letters, digits, '-', '_', '.')`);
    return name;
  }

  /** Files (not folders) directly inside a workspace folder, newest first. */
  async list(d: WorkspaceDir, suffix = ''): Promise<{ name: string; size: number; mtime: number }[]> {
    const dir = this.dir(d);
    const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && n.endsWith(suffix));
    const rows = await Promise.all(
      names.map(async (name) => {
        const s = await lstat(join(dir, name)); // symbolic links are not listed (nor served)
        return s.isFile() ? { name, size: s.size, mtime: s.mtimeMs } : null;
      }),
    );
    return rows.filter((r) => r !== null).sort((a, b) => b.mtime - a.mtime);
  }
}

/**
 * Writes `data` to `path` atomically and fsynced (formats' writeFileAtomic with `durable`): a reader,
 * or a restart after kill -9, sees the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  return writeAtomically(path, data, { durable: true });
}
