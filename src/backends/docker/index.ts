/** The lazily loaded Docker bundle (dist/lazy/docker.js): everything that pulls in dockerode. */
export * from './discovery';
export * from './client';
export * from './errors';
export * from './names';
export * from './parse';
export * from './present';
export * from './store';
export * from './sessions';
export * from './events';
export type * from './model';
export * from './volumes';
export * from './imageOps';
export * from './files';
export * from './compose';
export * from '../registry/client';
export * from '../registry/names';
export * from '../registry/credentials';
