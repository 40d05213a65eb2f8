import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/studio/server/app.js';
import { multipart, tempWorkspace, testStudio } from './helpers.js';

/** Issue 16: workspace escapes through symlinks and exact HTTP errors for hostile requests. */

let studio: Studio;
let workspace: string;
let outside: string;

beforeAll(async () => {
  workspace = await tempWorkspace();
  outside = join(tmpdir(), `latentlab-outside-${process.pid}`);
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'secret');
  studio = await testStudio({ workspace, uploadLimit: 64 << 10, checkpointLimit: 1 << 20 });
  await symlink(join(outside, 'secret.txt'), join(workspace, 'images', 'passwd.png'));
  await symlink(outside, join(workspace, 'images', 'elsewhere'));
  await writeFile(join(workspace, 'images', 'inside.png'), 'fine');
  await symlink(join(workspace, 'images', 'inside.png'), join(workspace, 'images', 'alias.png'));
});

afterAll(async () => {
  await studio.app.close();
  await rm(outside, { recursive: true, force: true });
});

describe('workspace paths resolve through symlinks and stay inside', () => {
  it('refuses to serve a symlink that leads outside (400), and a folder link to outside', async () => {
    for (const url of ['/api/files/images/passwd.png', '/api/files/images/elsewhere/secret.txt']) {
      const res = await studio.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatch(/leads outside the workspace through a symbolic link/);
      expect(res.body).not.toMatch(/^secret$/);
    }
  });

  it('serves a link that stays inside, and refuses job inputs that leave', async () => {
    const ok = await studio.app.inject({ method: 'GET', url: '/api/files/images/alias.png' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('fine');
    expect(() => studio.workspace.resolve('images/passwd.png')).toThrow(/outside the workspace/);
    expect(() => studio.workspace.resolve('images/elsewhere/new.png')).toThrow(/outside the workspace/);
    expect(studio.workspace.resolve('images/not-yet.png')).toBe(join(workspace, 'images', 'not-yet.png'));
    const job = await studio.app.inject({
      method: 'POST',
      url: '/api/jobs/import-model',
      payload: { file: 'images/passwd.png', name: 'x' },
    });
    expect(job.statusCode).toBe(400);
    expect(job.json().error).toMatch(/outside the workspace/);
  });
});

describe('hostile HTTP requests get exact 4xx answers', () => {
  it('malformed multipart is a 400, not a 500', async () => {
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=zzz']) {
      const res = await studio.app.inject({
        method: 'POST',
        url: '/api/uploads',
        headers: { 'content-type': contentType },
        payload: 'garbage without any boundary',
      });
      expect(res.statusCode, contentType).toBe(400);
      expect(res.json().error).toMatch(/upload/);
    }
  });

  it('does not coerce strings to numbers', async () => {
    const res = await studio.app.inject({
      method: 'POST',
      url: '/api/grid',
      payload: { model: 'fmnist-dcgan', seeds: '1' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/seeds/);
    const inner = await studio.app.inject({
      method: 'POST',
      url: '/api/grid',
      payload: { model: 'fmnist-dcgan', seeds: ['1'] },
    });
    expect(inner.statusCode).toBe(400);
  });

  it('refuses __proto__ and constructor keys with a clear message', async () => {
    for (const key of ['__proto__', 'constructor']) {
      const res = await studio.app.inject({
        method: 'POST',
        url: '/api/grid',
        headers: { 'content-type': 'application/json' },
        payload: `{"model": "fmnist-dcgan", "seeds": [1], "x": {"${key}": {"polluted": true}}}`,
      });
      expect(res.statusCode, key).toBe(400);
      expect(res.json().error).toBe(`request body: the key '${key}' is not allowed (prototype keys are refused)`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an empty or foreign Host with 403', async () => {
    for (const host of ['evil.example', 'localhost.evil.example']) {
      const res = await studio.app.inject({ method: 'GET', url: '/api/health', headers: { host } });
      expect(res.statusCode, JSON.stringify(host)).toBe(403);
    }
    // inject fills in an empty Host, so send a raw request to a listening server
    const open = await testStudio({ workspace, allowedHosts: [] }); // even when any host is allowed
    await open.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (open.app.server.address() as { port: number }).port;
      const raw = await new Promise<string>((resolve, reject) => {
        const sock = connect(port, '127.0.0.1', () => sock.end('GET /api/health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n'));
        let text = '';
        sock.on('data', (d) => (text += d.toString()));
        sock.on('end', () => resolve(text));
        sock.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 403/);
    } finally {
      await open.app.close();
    }
    const ok = await studio.app.inject({ method: 'GET', url: '/api/health', headers: { host: 'localhost:8080' } });
    expect(ok.statusCode).toBe(200);
  });

  it('upload errors name the uploaded file', async () => {
    const corrupt = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'holiday.png', 'image/png', Buffer.from('not a png at all')),
    });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().error).toMatch(/holiday\.png/);
    expect(corrupt.json().error).not.toMatch(/<image bytes>/);
    const big = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'huge.png', 'image/png', new Uint8Array(65 << 10)),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatch(/huge\.png/);
    const type = await studio.app.inject({
      method: 'POST',
      url: '/api/uploads',
      ...multipart('file', 'run.sh', 'application/x-sh', Buffer.from('#!/bin/sh')),
    });
    expect(type.statusCode).toBe(415);
    expect(type.json().error).toMatch(/run\.sh/);
  });
});
