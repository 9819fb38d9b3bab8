/**
 * Validates one parsed document: YAML syntax, template placeholders, removed API versions, the
 * kind's schema, then the rules a schema can't express. Returns file-offset diagnostics.
 * Cross-document checks (RuntimeClass names) live in `rules/workspace.ts` and run per file.
 */
import type { Node } from 'yaml';
import { firstLine } from '../common/text';
import { isMap, isScalar, isSeq, Scalar, visit } from './yamlFns';
import type { ParsedDoc, PathSeg } from './parse';
import { detectKind, VIRTLET_ANNOTATION, type KindInfo } from './kinds';
import type { SchemaStore } from './schemas';
import { DEFAULT_OPTIONS, type ManifestDiagnostic, type ValidationOptions } from './diagnostics';
import {
  describeKind,
  firstPlaceholder,
  hasBlockTemplate,
  hasPlaceholder,
  placeholderInValue,
  type PlaceholderKind,
} from './placeholders';
import { get, getPath, pair, report, str, type CheckContext } from './rules/context';
import { validateSchema } from './rules/schema';
import { checkKubeVirt } from './rules/kubevirt';
import { checkPodLike } from './rules/pod';
import { checkServed } from './rules/apiVersions';
import { splitDocuments } from './documents';
import { parseSlice } from './parse';
import { embeddedManifests, mapEmbedded } from './embedded';
import { checkKustomization, type FileContext } from './kustomize/check';
import { checkJson6902, targetKind } from './kustomize/json6902';
import type { InlinePatch, KustomizeRole, PatchTarget } from './kustomize/references';

export type { ManifestDiagnostic, Severity, WorkspaceFacts, ValidationOptions } from './diagnostics';

export interface ValidateContext {
  readonly store: SchemaStore;
  readonly options?: ValidationOptions;
  /** Where the document lives and what a kustomization says it is (paths are checked only with it). */
  readonly file?: FileContext & {
    /** What a kustomization lists this file as. */
    readonly role?: KustomizeRole;
    /** The kind a patch of this file targets (from the kustomization's `target`). */
    readonly target?: PatchTarget;
    /** Image names a kustomization's `images:` rewrites (not checked in its resources). */
    readonly images?: ReadonlySet<string>;
    /** Manifests in block scalars are not validated (`# podvisor: ignore-embedded`). */
    readonly noEmbedded?: boolean;
    /** How deep inside embedded manifests this document is. */
    readonly depth?: number;
  };
}

export function validateParsed(parsed: ParsedDoc, vctx: ValidateContext): ManifestDiagnostic[] {
  const out: ManifestDiagnostic[] = [];
  // A Helm chart's Chart.yaml has an apiVersion (v2) but is not a Kubernetes object.
  if (vctx.file?.path && /(?:^|[\\/])Chart\.yaml$/.test(vctx.file.path)) return out;
  const text = parsed.slice.text;
  const blockTemplate = hasBlockTemplate(text);
  const placeholder = findPlaceholder(parsed, blockTemplate);
  const role = vctx.file?.role;
  const ctx: CheckContext = {
    parsed,
    store: vctx.store,
    options: vctx.options ?? DEFAULT_OPTIONS,
    out,
    templated: !!placeholder,
    ...(role === 'patch' ? { partial: true } : {}),
    ...(role === 'resource' || role === 'component'
      ? { fragment: { images: vctx.file?.images ?? new Set<string>() } }
      : {}),
  };
  if (placeholder) {
    report(
      ctx,
      [placeholder.start, placeholder.end],
      'info',
      'template.placeholders',
      `Template (${describeKind(placeholder.kind)} placeholders): checks limited until it is rendered`,
      { kind: placeholder.kind },
    );
  }
  // A template with control structures is not YAML until rendered: its syntax errors are noise.
  if (!blockTemplate) {
    for (const e of parsed.errors) {
      const [s, e2] = e.pos;
      const end = e2 > s ? e2 : Math.min(s + 1, text.length);
      const msg = firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '');
      report(
        ctx,
        [s, end],
        e.name === 'YAMLWarning' ? 'warning' : 'error',
        e.code === 'TAB_AS_INDENT' ? 'yaml.tab-indentation' : 'yaml.syntax',
        msg,
        { yamlCode: e.code },
      );
    }
  }
  const root = parsed.doc.contents as Node | null;
  const broken = parsed.errors.some((e) => e.name === 'YAMLParseError') || blockTemplate;
  // A patch file a kustomization names: JSON 6902 operations, or a strategic merge patch of its target.
  if ((role === 'json6902' || (role === 'patch' && isSeq(root))) && !broken) {
    checkJson6902(ctx, root, vctx.file?.target);
    return out;
  }
  const info = parsed.kindInfo ?? (role === 'patch' ? targetKind(ctx, vctx.file?.target) : undefined);
  if (info) {
    checkObject(ctx, root, info, parsed.apiVersion ?? '', [], broken, vctx);
  } else if (parsed.apiVersion === 'v1' && parsed.kind === 'List' && !broken) {
    // `kubectl get -o yaml` output: each item is a manifest of its own.
    const items = get(root, 'items');
    if (isSeq(items)) {
      items.items.forEach((item, i) => {
        const av = str(get(item, 'apiVersion'));
        const k = str(get(item, 'kind'));
        const ann = str(getPath(item, ['metadata', 'annotations', VIRTLET_ANNOTATION]));
        const itemInfo = detectKind(av, k, ann ? { annotations: { [VIRTLET_ANNOTATION]: ann } } : undefined);
        if (itemInfo && av) checkObject(ctx, item as Node, itemInfo, av, ['items', i], false);
      });
    }
  } else {
    checkFragment(ctx, root);
  }
  if (!broken && !vctx.file?.noEmbedded && (vctx.file?.depth ?? 0) < 2 && info?.family !== 'kustomize')
    checkEmbedded(ctx, root, vctx);
  return out;
}

/** Validates a text (an embedded manifest or inline patch) on its own; offsets are the text's. */
function validateText(text: string, vctx: ValidateContext): ManifestDiagnostic[] {
  const out: ManifestDiagnostic[] = [];
  for (const s of splitDocuments(text)) out.push(...validateParsed(parseSlice(s), vctx));
  return out;
}

/** Manifests in block scalars (a Tekton param, ConfigMap data), validated in place. */
function checkEmbedded(ctx: CheckContext, root: Node | null, vctx: ValidateContext): void {
  const text = ctx.parsed.slice.text;
  if (!/^[ \t]+apiVersion:/m.test(text)) return;
  for (const node of embeddedManifests(root)) {
    const diags = validateText(node.value as string, {
      ...vctx,
      file: { files: vctx.file?.files ?? NO_FILES, depth: (vctx.file?.depth ?? 0) + 1 },
    });
    pushMapped(ctx, node, diags);
  }
}

const NO_FILES = { stat: () => undefined, read: () => undefined, list: () => [] };

function pushMapped(ctx: CheckContext, node: Node, diags: ManifestDiagnostic[]): void {
  if (!diags.length || !(node instanceof Scalar)) return;
  const base = ctx.parsed.slice.start;
  // Template notices of the inner text are the outer document's business.
  for (const d of mapEmbedded(ctx.parsed.slice.text, node, diags))
    if (d.code !== 'template.placeholders') ctx.out.push({ ...d, start: d.start + base, end: d.end + base });
}

/** A kustomization's inline patch, checked as a patch of its target (or its own kind). */
function checkInlinePatch(ctx: CheckContext, p: InlinePatch, vctx: ValidateContext): void {
  const json = p.field === 'patchesJson6902' || /^\s*(?:-|\[)/.test(p.text);
  const diags = validateText(p.text, {
    ...vctx,
    file: {
      files: vctx.file?.files ?? NO_FILES,
      role: json ? 'json6902' : 'patch',
      ...(p.target ? { target: p.target } : {}),
      depth: (vctx.file?.depth ?? 0) + 1,
    },
  });
  pushMapped(ctx, p.node, diags);
}

/** One Kubernetes object (the document's root, or an item of a List) of a known kind. */
function checkObject(
  ctx: CheckContext,
  root: Node | null,
  info: KindInfo,
  apiVersion: string,
  at: PathSeg[],
  broken: boolean,
  vctx?: ValidateContext,
): void {
  if (info.removed) {
    const r = info.removed;
    report(
      ctx,
      get(root, 'apiVersion'),
      'error',
      'api.removed-version',
      r.message ?? `\`${apiVersion}\` is no longer served for ${info.kind}: use \`${r.replacement}\``,
      { from: apiVersion, replacement: r.replacement },
    );
    return;
  }
  if (info.deprecatedVersion) {
    report(
      ctx,
      get(root, 'apiVersion'),
      'warning',
      'api.deprecated-version',
      `\`${apiVersion}\` is deprecated for ${info.kind}: use \`${info.deprecatedVersion.replacement}\``,
      { from: apiVersion, replacement: info.deprecatedVersion.replacement },
    );
  }
  if (info.deprecated)
    report(ctx, get(root, 'kind'), 'warning', 'api.deprecated-kind', info.deprecated.message, {
      kind: info.kind,
    });
  if (!checkServed(ctx, root, info, apiVersion)) return;
  if (broken || !isMap(root)) return;
  const schema = ctx.store.forKind(info, ctx.options);
  const kctx: CheckContext = { ...ctx, info };
  // CDI's bundled CRD schema (v1.63) lags CDI's docs and newer releases: unknown keys only warn there.
  if (schema)
    validateSchema(
      info.family === 'cdi' ? { ...kctx, unknownKeySeverity: 'warning' } : kctx,
      root,
      schema,
      at,
    );
  if (
    info.family !== 'custom' &&
    info.family !== 'kustomize' &&
    !ctx.partial &&
    !(info.family === 'kube' && NAMES_NOT_SUBDOMAINS.has(info.group))
  )
    checkName(ctx, root);
  if (info.family === 'kustomize')
    checkKustomization(kctx, root, vctx?.file, (p) => vctx && checkInlinePatch(kctx, p, vctx));
  if (info.vmiSpecPath || info.family === 'kubevirt' || info.family === 'pool')
    checkKubeVirt(ctx, root, info);
  if (info.podTemplatePath) checkPodLike(ctx, root, info);
}

/** Groups whose object names are path segments (`system:controller:x`), not DNS subdomains. */
const NAMES_NOT_SUBDOMAINS = new Set(['rbac.authorization.k8s.io']);

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `metadata.name` must be an RFC 1123 subdomain: the API server rejects `MyVM` or `my_vm`. */
function checkName(ctx: CheckContext, root: Node): void {
  const node = get(get(root, 'metadata'), 'name');
  const name = str(node);
  // An ALL_CAPS token (`POD_NAME`) is a sed-style placeholder, not a name.
  if (
    !node ||
    name === undefined ||
    hasPlaceholder(name) ||
    /^[A-Z][A-Z0-9_]+$/.test(name) ||
    (name.length <= 253 && DNS1123_SUBDOMAIN.test(name))
  )
    return;
  const suggestion = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
  report(
    ctx,
    node,
    'error',
    'metadata.invalid-name',
    `\`metadata.name\` \`${name}\` is not a valid name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit${suggestion ? ` (e.g. \`${suggestion}\`)` : ''}`,
    { name, suggestion },
  );
}

/** The first placeholder outside block scalars (shell scripts in `userData`/`command` use `${VAR}` legitimately). */
function findPlaceholder(
  parsed: ParsedDoc,
  blockTemplate: boolean,
): { start: number; end: number; kind: PlaceholderKind } | undefined {
  const text = parsed.slice.text;
  const first = firstPlaceholder(text);
  if (!first && !text.includes('$') && !text.includes('<')) return undefined;
  if (first && (blockTemplate || parsed.errors.some((e) => e.name === 'YAMLParseError'))) return first;
  let hit: { start: number; end: number; kind: PlaceholderKind } | undefined;
  visit(parsed.doc, {
    Scalar(_, node) {
      if (
        node.type === Scalar.BLOCK_LITERAL ||
        node.type === Scalar.BLOCK_FOLDED ||
        !node.range ||
        typeof node.value !== 'string' ||
        !hasPlaceholder(node.value)
      )
        return undefined;
      const src = text.slice(node.range[0], node.range[1]);
      const p = placeholderInValue(src);
      hit = p
        ? { start: node.range[0] + p.start, end: node.range[0] + p.end, kind: p.kind }
        : { start: node.range[0], end: node.range[1], kind: 'envsubst' };
      return visit.BREAK;
    },
  });
  return hit;
}

const EMBEDDED = /^\s+(?:kind|apiVersion):\s*\S/m;

/** Documents that look like part of a manifest but lack `apiVersion` or `kind`. */
function checkFragment(ctx: CheckContext, root: Node | null): void {
  const firstItem = isMap(root) ? root.items[0] : undefined;
  if (!isMap(root) || !firstItem) return;
  const av = pair(root, 'apiVersion');
  const kind = pair(root, 'kind');
  if (av && !kind && isScalar(av.value)) {
    report(
      ctx,
      av.key,
      'warning',
      'manifest.missing-kind',
      `This document has \`apiVersion: ${String(av.value.value)}\` but no \`kind\``,
      { apiVersion: av.value.value },
    );
  } else if (kind && !av && isScalar(kind.value)) {
    report(
      ctx,
      kind.key,
      'warning',
      'manifest.missing-apiVersion',
      `This document has \`kind: ${String(kind.value.value)}\` but no \`apiVersion\``,
      { kind: kind.value.value },
    );
  } else if (!av && !kind && EMBEDDED.test(ctx.parsed.slice.text)) {
    report(
      ctx,
      firstItem.key as Node,
      'info',
      'manifest.fragment',
      'No top-level `apiVersion`/`kind`: this is a fragment (e.g. Helm values) and is not checked as a manifest; the manifests it embeds are not validated',
    );
  }
}
