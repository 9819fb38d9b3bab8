/** The libvirt backend (lazy bundle `libvirt`): virsh-driven, no vscode. */
export { LibvirtClient, type DomainAction } from './client';
export { EventStream, type EventStreamHandlers } from './events';
export { DomainStore, type DomainStoreOptions, type DomainStoreStatus } from './store';
export { checkDomainName, checkSnapshotName, checkUri } from './names';
export { parseDomstats, parseEventLine, parseSnapshotList } from './parse';
export { unreachableHint } from './hints';
export { failureOf, virsh, virshReason, VirshError, type VirshFailure, type VirshOptions } from './virsh';
export type { Domain, DomainEvent, DomainState, Snapshot } from './types';
