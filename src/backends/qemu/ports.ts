/** Host port checks before launch, so a taken port is a clear error instead of a QEMU exit. */
import * as net from 'net';
import { UserError } from '../../common/errors';
import type { PortForward } from './spec';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function checkPortsFree(forwards: readonly PortForward[]): Promise<void> {
  for (const f of forwards) {
    if (f.proto !== 'tcp') continue; // UDP binds can't be probed the same way; QEMU reports them
    if (!(await tcpFree(f.host))) {
      throw new UserError(
        `Host port 127.0.0.1:${f.host} is already in use, so it can't be forwarded to guest port ${f.guest}. Pick another port or stop what uses it.`,
      );
    }
  }
}

export { freePort } from '../../common/net';
