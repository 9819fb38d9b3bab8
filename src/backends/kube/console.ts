/**
 * A VM's serial console (or VNC) over KubeVirt's subresource WebSocket: subprotocol
 * `plain.kubevirt.io`, raw bytes with no channel prefix (pod exec uses v5.channel.k8s.io).
 * Returned as a Duplex: write keystrokes, read the guest's output.
 */
import type { Duplex } from 'stream';
import WebSocket, { createWebSocketStream } from 'ws';
import { CancelledError } from '../../common/errors';
import { checkName } from './actions';
import { apiErrorOf, transportErrorOf } from './errors';
import type { KubeHttp } from './http';

export async function openVmStream(
  http: KubeHttp,
  namespace: string,
  name: string,
  kind: 'console' | 'vnc',
  signal?: AbortSignal,
): Promise<Duplex> {
  checkName('namespace', namespace);
  checkName('VirtualMachineInstance', name);
  const { url, options } = await http.webSocketOptions(
    `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${name}/${kind}`,
  );
  return new Promise<Duplex>((resolve, reject) => {
    const ws = new WebSocket(url, ['plain.kubevirt.io'], {
      ...(options as WebSocket.ClientOptions),
      handshakeTimeout: 30_000,
    });
    const onAbort = () => {
      ws.terminate();
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        reject(
          apiErrorOf(
            res.statusCode ?? 0,
            Buffer.concat(chunks).toString('utf8'),
            `open the ${kind} of ${namespace}/${name}`,
          ),
        ),
      );
    });
    ws.on('error', (e) => reject(transportErrorOf(e, http.server)));
    ws.on('open', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(createWebSocketStream(ws));
    });
  });
}
