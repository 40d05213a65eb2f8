import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../core/errors.js';
import { BundleLocator, bundleRef, ModelUnavailable } from './bundles.js';
import { queueConnection, redactedUrl } from './connection.js';
import { contentId } from './submit.js';

const SHIPPED = fileURLToPath(new URL('../../../models/', import.meta.url));

describe('queue connection', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(queueConnection('redis://127.0.0.1:6390', {})).toMatchObject({
      host: '127.0.0.1',
      port: 6390,
      db: 0,
      tls: undefined,
    });
    expect(queueConnection('rediss://bob:s%40cret@redis.lan:7000/2', {})).toMatchObject({
      host: 'redis.lan',
      port: 7000,
      username: 'bob',
      password: 's@cret',
      db: 2,
      tls: { servername: 'redis.lan' },
    });
    expect(queueConnection('redis://[::1]', { LATENTLAB_REDIS_PASSWORD: 'pw' })).toMatchObject({
      host: '::1',
      port: 6379,
      password: 'pw',
    });
    expect(redactedUrl('redis://:pw@h:1')).toBe('redis://:***@h:1');
  });
  it('refuses what is not a redis URL', () => {
    expect(() => queueConnection('http://x:1', {})).toThrow(ArgumentError);
    expect(() => queueConnection('127.0.0.1:6379', {})).toThrow(/redis:\/\//);
  });
});

describe('bundles by content hash', () => {
  it('finds a bundle in the worker folders, or refuses with the hash and where it looked', () => {
    const ref = bundleRef(`${SHIPPED}/fmnist-stylegan2`);
    expect(new BundleLocator([SHIPPED]).find({ ...ref, path: '/nowhere' })).toMatch(/fmnist-stylegan2$/);
    expect(() => new BundleLocator(['/tmp/none']).find({ ...ref, contentHash: 'f'.repeat(64) })).toThrow(
      ModelUnavailable,
    );
    expect(() => new BundleLocator([]).find({ ...ref, contentHash: 'f'.repeat(64) })).toThrow(
      /no bundle fmnist-stylegan2 \(content hash ffff/,
    );
  });
  it('gives shard ids that depend on content, not key order', () => {
    expect(contentId('project', { a: 1, b: [2, { c: 3, d: 4 }] })).toBe(
      contentId('project', { b: [2, { d: 4, c: 3 }], a: 1 }),
    );
    expect(contentId('project', { a: 1 })).not.toBe(contentId('project', { a: 2 }));
  });
});
