/**
 * "New Engine VM…": a Podvisor VM that boots the engine image (image.ts) and runs Docker's
 * engine. It is an ordinary VM (its folder, overlay disk, console, snapshots) with three extras:
 * the `org.podvisor.engine` channel (its Engine API, see mux.ts), SSH as root with the VM's own
 * key, and `engine` in its spec so the tree shows its containers.
 */
import type { CreateRequest } from '../create';
import { ENGINE_CHANNEL } from '../spec';
import type { EngineImage } from './image';

export interface EngineVmOptions {
  readonly name: string;
  readonly image: EngineImage;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly accelerator?: CreateRequest['accelerator'];
}

/** quiet: the init prints its own steps; panic=-1: a crashed guest reboots instead of hanging. */
export const ENGINE_CMDLINE = 'console=ttyS0 panic=-1 quiet loglevel=1';

export function engineVmRequest(o: EngineVmOptions): CreateRequest {
  return {
    name: o.name,
    cpus: o.cpus ?? 2,
    memoryMiB: o.memoryMiB ?? 1024,
    // q35: PCI slots for what a later release hot-plugs (a workspace share), and a restore
    // needs the same machine as the save anyway, so the few hundred ms more at boot are paid once.
    machine: 'q35',
    source: {
      kind: 'kernel',
      kernel: o.image.kernel,
      initrd: o.image.initrd,
      cmdline: ENGINE_CMDLINE,
      disk: o.image.disk,
    },
    cloudInit: { userData: '#cloud-config\n' },
    ssh: { user: 'root' },
    channels: [ENGINE_CHANNEL],
    engine: { kind: 'docker', image: o.image.hash },
    ...(o.accelerator ? { accelerator: o.accelerator } : {}),
  };
}
