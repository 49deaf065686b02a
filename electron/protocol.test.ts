import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAppUrl, resolveAppPath, serveAppRequest } from './protocol.ts';

const root = resolve('/opt/studio/out/renderer');

describe('resolveAppPath', () => {
  it('maps app://studio URLs to files under the root', () => {
    expect(resolveAppPath(root, 'app://studio/')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://studio/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://studio/assets/main-1a2b.js?x=1#y')).toBe(
      join(root, 'assets', 'main-1a2b.js'),
    );
    expect(resolveAppPath(root, 'app://studio/a%20b.css')).toBe(join(root, 'a b.css'));
  });

  it.each([
    'app://studio/../secret.txt',
    'app://studio/%2e%2e/secret.txt',
    'app://studio/assets/%2e%2e/%2e%2e/secret.txt',
    'app://studio/..%2fsecret.txt',
    'app://studio/..%5csecret.txt',
    'app://studio/%2fetc%2fpasswd',
    'app://studio/index.html%00.png',
    'app://studio/%E0%A4%A',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://example.com/index.html',
    'not a url',
  ])('never leaves the root for %s', (url) => {
    const path = resolveAppPath(root, url);
    expect(path === null || path.startsWith(root + sep)).toBe(true);
  });

  it('refuses encoded separators, NUL bytes and other hosts', () => {
    expect(resolveAppPath(root, 'app://studio/../secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'app://studio/..%2fsecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://studio/%2fetc%2fpasswd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveAppPath(root, 'app://studio/index.html%00.png')).toBeNull();
    expect(resolveAppPath(root, 'app://other/index.html')).toBeNull();
  });
});

describe('serveAppRequest', () => {
  const files = new Map([[join(root, 'index.html'), new TextEncoder().encode('<!doctype html>')]]);
  const readFile = async (path: string) => {
    const body = files.get(path);
    if (!body) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return body;
  };

  it('serves a file with its type and the CSP', async () => {
    const res = await serveAppRequest(
      { url: 'app://studio/index.html', method: 'GET' },
      { root, readFile },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toBe('<!doctype html>');
  });

  it('answers 404 with the CSP for a missing file or a path outside the root', async () => {
    for (const url of ['app://studio/missing.js', 'app://studio/..%2f..%2fetc%2fpasswd']) {
      const res = await serveAppRequest({ url, method: 'GET' }, { root, readFile });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('refuses writes', async () => {
    const res = await serveAppRequest(
      { url: 'app://studio/index.html', method: 'POST' },
      { root, readFile },
    );
    expect(res.status).toBe(405);
  });

  it('keeps the policy strict', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });
});

describe('isAppUrl', () => {
  it('accepts only the app origin', () => {
    expect(isAppUrl('app://studio/index.html')).toBe(true);
    expect(isAppUrl('app://studio.evil.com/')).toBe(false);
    expect(isAppUrl('https://studio/')).toBe(false);
    expect(isAppUrl('garbage')).toBe(false);
  });
});
