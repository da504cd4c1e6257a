import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePort, redactUrl } from '../../src/devtools/index.js';

describe('services - free port', () => {
  it('a free port can be listened on, and ports handed out together differ', async () => {
    const ports = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
    expect(new Set(ports).size).toBe(3);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('passwords never appear in printed URLs', () => {
    expect(redactUrl('postgresql://chat:s3cret@db:5432/chat')).toBe('postgresql://chat:***@db:5432/chat');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
