/**
 * The `yaml` package's functions bound once. Bundled, `import { isMap } from 'yaml'` becomes a
 * property getter call on every use (CJS interop); in the validator's hot loops that cost ~10%.
 */
import * as Y from 'yaml';

export const isMap = Y.isMap;
export const isSeq = Y.isSeq;
export const isScalar = Y.isScalar;
export const isPair = Y.isPair;
export const isAlias = Y.isAlias;
export const parseDocument = Y.parseDocument;
export const visit = Y.visit;
export const Scalar = Y.Scalar;
export type Scalar<T = unknown> = Y.Scalar<T>;
export const Document = Y.Document;
export const Pair = Y.Pair;
export const YAMLMap = Y.YAMLMap;
export const YAMLSeq = Y.YAMLSeq;
export type YAMLMap = Y.YAMLMap;
export type YAMLSeq = Y.YAMLSeq;
export type Pair = Y.Pair;
