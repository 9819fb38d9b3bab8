/**
 * The schema of a kustomization (kustomize.config.k8s.io/v1beta1 Kustomization and v1alpha1
 * Component), written for Podvisor from kustomize's documented fields, in the engine's schema
 * subset. Deprecated fields are marked so they warn with what replaces them.
 */
import type { JSONSchema } from '../schemas';

const str = (description: string): JSONSchema => ({ type: 'string', description });
const strList = (description: string): JSONSchema => ({
  type: 'array',
  description,
  items: { type: 'string' },
});
const strMap = (description: string): JSONSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});
const bool = (description: string): JSONSchema => ({ type: 'boolean', description });

const TARGET: JSONSchema = {
  type: 'object',
  description: 'Which resources the patch applies to (all given fields must match).',
  properties: {
    group: str('API group of the target (empty for the core group).'),
    version: str('API version of the target (`v1`).'),
    kind: str('Kind of the target (`Deployment`).'),
    name: str('Name of the target; a regular expression.'),
    namespace: str('Namespace of the target; a regular expression.'),
    labelSelector: str('Label selector the target must match (`app=web`).'),
    annotationSelector: str('Annotation selector the target must match.'),
  },
};

const GENERATOR_OPTIONS: JSONSchema = {
  type: 'object',
  description: 'Options for generated ConfigMaps and Secrets.',
  properties: {
    labels: strMap('Labels added to the generated objects.'),
    annotations: strMap('Annotations added to the generated objects.'),
    disableNameSuffixHash: bool('Do not append the content hash to the generated name.'),
    immutable: bool('Mark the generated object immutable.'),
  },
};

const GENERATOR = (what: 'ConfigMap' | 'Secret'): JSONSchema => ({
  type: 'array',
  description: `${what}s generated from files, literals and env files (their names get a content hash suffix).`,
  items: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str(`Name of the generated ${what} (before the hash suffix).`),
      namespace: str(`Namespace of the generated ${what}.`),
      behavior: {
        type: 'string',
        enum: ['create', 'replace', 'merge'],
        description: `create a new ${what}, or replace / merge into one from a base.`,
      },
      files: strList('Files whose contents become keys (`key=path` names the key; default: the file name).'),
      literals: strList('`KEY=value` pairs.'),
      envs: strList('Env files (`KEY=value` lines), each line a key.'),
      env: { ...str('One env file.'), deprecated: true, description: 'Deprecated: use `envs`.' },
      options: GENERATOR_OPTIONS,
      ...(what === 'Secret' ? { type: str('Secret type (`Opaque`, `kubernetes.io/tls`, …).') } : {}),
    },
  },
});

const REPLACEMENT_OPTIONS: JSONSchema = {
  type: 'object',
  properties: {
    delimiter: str('Split the field value at this delimiter…'),
    index: { type: 'integer', description: '…and replace only the part at this index.' },
    create: bool('Create the target field when it is missing.'),
  },
};

const SELECTOR: JSONSchema = {
  type: 'object',
  properties: {
    group: str('API group.'),
    version: str('API version.'),
    kind: str('Kind.'),
    name: str('Name.'),
    namespace: str('Namespace.'),
    labelSelector: str('Label selector.'),
    annotationSelector: str('Annotation selector.'),
  },
};

const REPLACEMENT: JSONSchema = {
  type: 'object',
  description: 'Copies a field of one resource into fields of others.',
  properties: {
    path: str('A file holding this replacement.'),
    source: {
      type: 'object',
      description: 'The resource and field to copy from.',
      properties: {
        group: str('API group.'),
        version: str('API version.'),
        kind: str('Kind.'),
        name: str('Name.'),
        namespace: str('Namespace.'),
        fieldPath: str('Field to copy (`metadata.name`, `spec.template.spec.containers.[name=web].image`).'),
        options: REPLACEMENT_OPTIONS,
      },
    },
    targets: {
      type: 'array',
      description: 'Where the value goes.',
      items: {
        type: 'object',
        properties: {
          select: SELECTOR,
          reject: { type: 'array', items: SELECTOR },
          fieldPaths: strList('Fields to set.'),
          options: REPLACEMENT_OPTIONS,
        },
      },
    },
  },
};

const HELM_CHART: JSONSchema = {
  type: 'object',
  description: 'A Helm chart inflated by kustomize (needs `--enable-helm`).',
  properties: {
    name: str('Chart name.'),
    version: str('Chart version.'),
    repo: str('Chart repository URL.'),
    releaseName: str('Release name.'),
    namespace: str('Namespace.'),
    valuesFile: str('A values file.'),
    valuesInline: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    valuesMerge: { type: 'string', enum: ['merge', 'override', 'replace'] },
    includeCRDs: bool('Include the chart’s CRDs.'),
    skipHooks: bool('Leave out hooks.'),
    additionalValuesFiles: strList('More values files.'),
    apiVersions: strList('API versions for `.Capabilities.APIVersions`.'),
    kubeVersion: str('Kubernetes version for `.Capabilities.KubeVersion`.'),
    skipTests: bool('Leave out test templates.'),
    nameTemplate: str('Release name template.'),
  },
};

export const KUSTOMIZATION_SCHEMA: JSONSchema = {
  type: 'object',
  description:
    'A kustomization: the resources to combine, and what to change in them (`kubectl kustomize`, `kustomize build`).',
  properties: {
    apiVersion: {
      type: 'string',
      enum: ['kustomize.config.k8s.io/v1beta1', 'kustomize.config.k8s.io/v1alpha1'],
    },
    kind: { type: 'string', enum: ['Kustomization', 'Component'] },
    metadata: {
      type: 'object',
      properties: {
        name: str('Name (informational).'),
        namespace: str('Namespace (informational).'),
        labels: strMap('Labels.'),
        annotations: strMap('Annotations.'),
      },
    },
    resources: strList(
      'Files with manifests, directories with a kustomization, or remote bases (`https://github.com/org/repo//path?ref=v1`).',
    ),
    components: strList('Directories with a `kind: Component` kustomization, applied after resources.'),
    bases: { ...strList('Deprecated: list bases under `resources`.'), deprecated: true },
    crds: strList('Files with CustomResourceDefinitions (their schemas teach kustomize merge keys).'),
    namespace: str('Sets the namespace of every resource.'),
    namePrefix: str('Prepended to every resource name (and to references to them).'),
    nameSuffix: str('Appended to every resource name (and to references to them).'),
    commonLabels: {
      ...strMap('Deprecated: use `labels` (with `includeSelectors: true` for the same effect).'),
      deprecated: true,
    },
    labels: {
      type: 'array',
      description: 'Labels added to every resource.',
      items: {
        type: 'object',
        properties: {
          pairs: strMap('The labels.'),
          includeSelectors: bool('Also add them to selectors (immutable on existing Deployments!).'),
          includeTemplates: bool('Also add them to pod templates.'),
          fields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      },
    },
    commonAnnotations: strMap('Annotations added to every resource.'),
    images: {
      type: 'array',
      description: 'Changes image names, tags and digests wherever an image is used.',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: str('The image name to match (without tag).'),
          newName: str('Replacement name.'),
          newTag: str('Replacement tag.'),
          digest: str('Replacement digest (`sha256:…`); wins over newTag.'),
          tagSuffix: str('Appended to the tag.'),
        },
      },
    },
    replicas: {
      type: 'array',
      description: 'Sets replica counts by resource name.',
      items: {
        type: 'object',
        required: ['name', 'count'],
        properties: {
          name: str('Resource name.'),
          count: { type: 'integer', minimum: 0, description: 'Replicas.' },
        },
      },
    },
    patches: {
      type: 'array',
      description:
        'Strategic merge or JSON 6902 patches, from a file (`path`) or inline (`patch`), optionally for a `target`.',
      items: {
        type: 'object',
        properties: {
          path: str('A file holding the patch.'),
          patch: str('The patch itself (YAML: a strategic merge patch, or a list of JSON 6902 operations).'),
          target: TARGET,
          options: {
            type: 'object',
            properties: {
              allowNameChange: bool('The patch may change `metadata.name`.'),
              allowKindChange: bool('The patch may change `kind`.'),
            },
          },
        },
      },
    },
    patchesStrategicMerge: {
      ...strList('Deprecated: use `patches` (each entry a file or an inline patch).'),
      deprecated: true,
    },
    patchesJson6902: {
      type: 'array',
      deprecated: true,
      description: 'Deprecated: use `patches` with a `target`.',
      items: {
        type: 'object',
        properties: {
          path: str('A file holding the operations.'),
          patch: str('The operations.'),
          target: TARGET,
        },
      },
    },
    replacements: { type: 'array', description: 'Copies fields between resources.', items: REPLACEMENT },
    vars: {
      type: 'array',
      deprecated: true,
      description: 'Deprecated: use `replacements`.',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    configMapGenerator: GENERATOR('ConfigMap'),
    secretGenerator: GENERATOR('Secret'),
    generatorOptions: GENERATOR_OPTIONS,
    helmCharts: { type: 'array', items: HELM_CHART, description: 'Helm charts to inflate.' },
    helmGlobals: {
      type: 'object',
      properties: { chartHome: str('Where charts are cached.'), configHome: str('Helm config folder.') },
    },
    generators: strList('Files with generator plugin configurations.'),
    transformers: strList('Files with transformer plugin configurations.'),
    validators: strList('Files with validator plugin configurations.'),
    configurations: strList('Files with transformer configurations (name references, field specs).'),
    openapi: {
      type: 'object',
      properties: { path: str('An OpenAPI schema file.'), version: str('A built-in schema version.') },
    },
    buildMetadata: {
      type: 'array',
      description: 'Annotations kustomize adds about where a resource came from.',
      items: { type: 'string', enum: ['originAnnotations', 'transformerAnnotations', 'managedByLabel'] },
    },
    sortOptions: {
      type: 'object',
      properties: {
        order: { type: 'string', enum: ['legacy', 'fifo'] },
        legacySortOptions: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};
