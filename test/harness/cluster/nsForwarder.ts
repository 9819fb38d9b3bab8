/**
 * Runs inside the test's network namespace (`ip netns exec NS node nsForwarder.js IP PORT SOCKET`):
 * accepts TCP on the namespace's address (an Endpoints address the API server's aggregation
 * layer may route to: not loopback) and pipes each connection, bytes unchanged (TLS included), to
 * the KubeVirt subresource test double's unix socket in the test process. Unix sockets are files,
 * so they cross network namespaces.
 */
import * as net from 'net';

const [ip = '', port = '', socket = ''] = process.argv.slice(2);
const server = net.createServer((c) => {
  const up = net.connect(socket);
  c.pipe(up).pipe(c);
  const end = () => {
    c.destroy();
    up.destroy();
  };
  c.on('error', end);
  up.on('error', end);
  c.on('close', end);
  up.on('close', end);
});
server.listen(Number(port), ip, () => console.log(`forwarding ${ip}:${port} -> ${socket}`));
process.on('SIGTERM', () => process.exit(0));
