import * as assert from 'assert';
import { needDocker, needPodman } from '../../harness/env';
import { docker, ensureBusyboxImage } from '../../harness/images';
import { DockerClient } from '../../../src/backends/docker/client';
import {
  createNetwork,
  createVolume,
  inspectNetworkRaw,
  inspectVolumeRaw,
  listNetworks,
  listVolumes,
  pruneNetworks,
  pruneVolumes,
  removeNetwork,
  removeVolume,
  validateResourceName,
} from '../../../src/backends/docker/volumes';
import { cleanup, PREFIX } from './helpers';

for (const engine of ['docker', 'podman'] as const) {
  describe(`volumes and networks on the real engine (${engine})`, function () {
    this.timeout(120_000);
    let host: string;
    let img: string;
    let client: DockerClient;
    const vol = `${PREFIX}-vol`;
    const net = `${PREFIX}-net`;
    const label = `podvisor.test=${PREFIX}`;

    before(function () {
      host = engine === 'docker' ? needDocker(this) : needPodman(this);
      img = ensureBusyboxImage(host);
      client = new DockerClient({ host });
    });
    after(function () {
      if (!host) return;
      cleanup(host);
      for (const args of [
        ['volume', 'rm', '-f', vol],
        ['network', 'rm', net],
      ])
        try {
          docker(host, args);
        } catch {
          /* gone */
        }
    });

    it('creates a volume and a network the engine then has', async function () {
      await createVolume(client, vol, { labels: { 'podvisor.test': PREFIX } });
      assert.strictEqual(docker(host, ['volume', 'inspect', '-f', '{{.Name}}', vol]), vol);
      await createNetwork(client, net, {
        labels: { 'podvisor.test': PREFIX },
        subnet: `10.239.${process.pid % 200}.0/24`,
      });
      assert.strictEqual(docker(host, ['network', 'inspect', '-f', '{{.Name}}', net]), net);
      assert.strictEqual(((await inspectVolumeRaw(client, vol)) as { Name: string }).Name, vol);
      assert.strictEqual(((await inspectNetworkRaw(client, net)) as { Name: string }).Name, net);
    });

    it('lists each with the containers that use it', async function () {
      const name = `${PREFIX}-user-${engine}`;
      docker(host, ['create', '--name', name, '-v', `${vol}:/data`, '--network', net, img, 'sleep', '60']);
      const v = (await listVolumes(client)).find((x) => x.name === vol);
      assert.deepStrictEqual(v?.usedBy, [name]);
      assert.strictEqual(v?.labels['podvisor.test'], PREFIX);
      const n = (await listNetworks(client)).find((x) => x.name === net);
      assert.deepStrictEqual(n?.usedBy, [name]);
      assert.strictEqual(n?.builtIn, false);
      assert.ok(n?.subnets[0]?.startsWith('10.239.'), JSON.stringify(n));
      // In use: the engine refuses to remove them, in its own words.
      await assert.rejects(removeVolume(client, vol), /Could not remove volume .*(in use|being used)/i);
      docker(host, ['rm', '-f', name]);
    });

    it('removes and prunes (only what is unused and ours)', async function () {
      await removeVolume(client, vol);
      assert.throws(() => docker(host, ['volume', 'inspect', vol]), /no such volume/i);
      await removeNetwork(client, net);
      assert.throws(
        () => docker(host, ['network', 'inspect', net]),
        /(no such network|not found|unable to find)/i,
      );
      docker(host, ['volume', 'create', '--label', label, `${vol}-p`]);
      docker(host, ['network', 'create', '--label', label, `${net}-p`]);
      const rv = await pruneVolumes(client, { labels: [label] });
      assert.deepStrictEqual(rv.removed, [`${vol}-p`]);
      const rn = await pruneNetworks(client, { labels: [label] });
      assert.deepStrictEqual(rn.removed, [`${net}-p`]);
      assert.throws(() => docker(host, ['volume', 'inspect', `${vol}-p`]), /no such volume/i);
    });

    it('refuses names Docker forbids before they reach the engine', async function () {
      for (const bad of ['', 'a b', '../x', '$(id)', '-x'])
        assert.ok(validateResourceName(bad, 'volume'), JSON.stringify(bad));
      await assert.rejects(createVolume(client, 'a/../b'), /volume name/);
    });
  });
}
