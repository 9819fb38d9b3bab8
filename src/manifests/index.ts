/** Entry of the lazily loaded `manifests` bundle (dist/lazy/manifests.js): the engine's public surface. */
export { ManifestService, type ManifestServiceOptions, type UpdateStats } from './service';
export {
  SchemaStore,
  findSchemaDir,
  BUNDLED_KUBERNETES_VERSION,
  BUNDLED_KUBEVIRT_VERSION,
  type JSONSchema,
  type RuntimeSchemaSet,
  type SchemaVersions,
  type SchemaDescription,
} from './schemas';
export { runtimeSchemaSet, type RuntimeSchemaInput } from './runtimeSchemas';
export { splitDocuments, lineStarts, positionOf, type DocSlice } from './documents';
export {
  parseSlice,
  nodeAtOffset,
  getIn,
  nodeRange,
  type ParsedDoc,
  type NodeAt,
  type PathSeg,
} from './parse';
export {
  detectKind,
  kindsFor,
  servedApiVersions,
  RUN_STRATEGIES,
  type KindInfo,
  type KindFamily,
} from './kinds';
export { validateParsed } from './validate';
export {
  DEFAULT_RUNTIME_HANDLERS,
  DEFAULT_OPTIONS,
  validationOptionsFrom,
  type ManifestDiagnostic,
  type Severity,
  type WorkspaceFacts,
  type ValidationOptions,
} from './diagnostics';
// Language features (A2).
export { type ManifestCompletionItem, type ManifestCompletionList, type CompletionFacts } from './complete';
export { type ManifestHover } from './hover';
export { type ManifestSymbol } from './symbols';
export { type ManifestCodeAction, type TextEdit } from './fixes';
export { MANIFEST_SNIPPETS } from './snippets';
// Kustomize, Helm and files (issue 14).
export { nodeFiles, localPath, isKustomizationPath, kustomizationIn, type FileFacts } from './files';
export { chartRootOf, isTemplateOf, renderChart, type ChartRender } from './helm/render';
export { validateChart, type ChartResult } from './helm/validate';
export { locateHelm, locateKubectl } from './helm/locate';
export { kustomizeBuild, type KustomizeBuild } from './kustomize/build';
