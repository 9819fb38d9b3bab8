/**
 * client-node's own stream classes (Exec, PortForward) on a WebSocket handler that keeps
 * the API server's answer when the upgrade is refused: client-node's default handler rejects
 * with a bare "Unexpected server response: 400" and drops the Status body that says why
 * ("container main is not running", "pods is forbidden: …"). Credentials come from the
 * kubeconfig through client-node (tokens, client certificates, exec plugins).
 */
import { Exec, PortForward, type KubeConfig } from '@kubernetes/client-node';
// Not re-exported by the package's index; the class Exec and PortForward take as their handler.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { apiErrorOf, transportErrorOf } from './errors';

/** The error a failed stream open rejects with: our KubeApiError when we have it. */
export function streamErrorOf(e: unknown, server: string): Error {
  // ws hands `onerror` an ErrorEvent; its `error` is what was emitted.
  const inner = (e as { error?: unknown })?.error ?? e;
  if (inner instanceof Error && (inner as { code?: unknown }).code === 'PODVISOR_KUBE_API') return inner;
  return transportErrorOf(inner, server);
}

function socketFactory(what: () => string) {
  return (uri: string, protocols: string[], opts: WebSocket.ClientOptions): WebSocket => {
    const ws = new WebSocket(uri, protocols, { ...opts, handshakeTimeout: 30_000 });
    ws.on('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        ws.emit('error', apiErrorOf(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), what()));
        ws.terminate(); // its own "closed before the connection was established" comes second: ignored
      });
    });
    return ws;
  };
}

/** client-node's classes for one kubeconfig context, on the error-keeping handler. */
export function streamClients(
  config: KubeConfig,
  what: () => string,
): { exec: Exec; portForward: PortForward } {
  const handler = () => new WebSocketHandler(config, socketFactory(what));
  return {
    exec: new Exec(config, handler()),
    // disconnectOnErr: an error on the port's error channel ends that connection.
    portForward: new PortForward(config, true, handler()),
  };
}
