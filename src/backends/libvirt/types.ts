/** A domain's state as the tree shows it (libvirt's virDomainState, folded). */
export type DomainState =
  'running' | 'paused' | 'shutoff' | 'shutdown' | 'crashed' | 'pmsuspended' | 'unknown';

export interface Domain {
  readonly uri: string;
  readonly name: string;
  readonly state: DomainState;
  /** Current vCPUs (vcpu.current), or undefined when libvirt didn't say. */
  readonly vcpus: number | undefined;
  /** Current memory in KiB (balloon.current), or undefined. */
  readonly memoryKiB: number | undefined;
  readonly maxMemoryKiB: number | undefined;
}

export interface Snapshot {
  readonly name: string;
  readonly created: string;
  readonly state: string;
  readonly current: boolean;
}

/** One line of `virsh event --all --loop`. */
export interface DomainEvent {
  readonly kind: string;
  readonly domain: string;
  readonly detail: string;
}
