import { createServer } from 'node:net';

/** Ports handed out lately, so that services started side by side never get the same one. */
const recentlyGiven: number[] = [];
const REMEMBERED = 64;

/**
 * Asks the OS for a port nobody listens on (listen on port 0, read it, close).
 * Another process could take it before our service binds it; the window is short, and the
 * service then fails to start with "address in use" in the log we show.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await askOsForPort(host);
    if (recentlyGiven.includes(port)) continue;
    recentlyGiven.push(port);
    if (recentlyGiven.length > REMEMBERED) recentlyGiven.shift();
    return port;
  }
}

function askOsForPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read the port the OS gave us on ${host}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * The first of `count` consecutive free ports between 20000 and 50000 (a local cluster's
 * gateway i listens on port + i). Same caveat as findFreePort: free when asked.
 */
export async function findFreePortRun(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i, host)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no run of ${count} free ports found between 20000 and 50000`);
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
