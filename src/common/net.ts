import * as net from 'net';

/** A free TCP port on 127.0.0.1 (the kernel picks one; for "pick a port for me" and tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() =>
        typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port on 127.0.0.1')),
      );
    });
  });
}
