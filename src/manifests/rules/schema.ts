/**
 * Validates a document's AST against its kind's JSON schema, reporting at precise ranges: an
 * unknown key at the key, a bad value at the value, a missing required field at the parent key.
 * Each schema node is compiled once (property map, type mask, closedness) and cached.
 */
import type { Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, type Scalar } from '../yamlFns';
import type { JSONSchema, SchemaStore } from '../schemas';
import type { PathSeg } from '../parse';
import { hasPlaceholder } from '../placeholders';
import { quantityProblem } from '../quantity';
import { pathText, report, type CheckContext } from './context';
import { versionHint } from './apiVersions';
import { textOf } from '../../common/text';

const OBJ = 1,
  ARR = 2,
  STR = 4,
  INT = 8,
  NUM = 16,
  BOOL = 32;
const TYPE_BITS: Record<string, number> = {
  object: OBJ,
  array: ARR,
  string: STR,
  integer: INT,
  number: NUM | INT,
  boolean: BOOL,
};

interface Compiled {
  types: number;
  props?: Map<string, JSONSchema>;
  addl?: JSONSchema;
  closed: boolean;
  required?: readonly string[];
  enumSet?: Set<unknown>;
  enumList?: readonly unknown[];
  preserve: boolean;
  quantity: boolean;
  s: JSONSchema;
}

const YAML11_BOOL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

const compiledCache = new WeakMap<JSONSchema, Compiled>();

function compile(store: SchemaStore, raw: JSONSchema): Compiled {
  let c = compiledCache.get(raw);
  if (c) return c;
  const s = store.deref(raw);
  let types = 0;
  for (const t of s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type])
    types |= TYPE_BITS[t] ?? 0;
  if (!types && s.properties) types = OBJ;
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  c = {
    types,
    props: s.properties ? new Map(Object.entries(s.properties)) : undefined,
    addl: typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined,
    closed:
      !!s.properties &&
      !preserve &&
      (s.additionalProperties === undefined || s.additionalProperties === false),
    required: s.required?.length ? s.required : undefined,
    enumSet: s.enum ? new Set(s.enum) : undefined,
    enumList: s.enum,
    preserve,
    quantity: s.format === 'quantity',
    s,
  };
  compiledCache.set(raw, c);
  return c;
}

function typeName(bits: number): string {
  const names: string[] = [];
  if (bits & OBJ) names.push('a mapping');
  if (bits & ARR) names.push('a list');
  if (bits & STR) names.push('a string');
  if (bits & NUM) names.push('a number');
  else if (bits & INT) names.push('an integer');
  if (bits & BOOL) names.push('a boolean');
  return names.length > 1
    ? names.slice(0, -1).join(', ') + ' or ' + names.at(-1)
    : (names[0] ?? 'something else');
}

function actualName(n: Node): string {
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  const v = (n as Scalar).value;
  if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return 'a value';
}

function edit1(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 9;
  // One row of the edit-distance table; every index below is within 0..b.length, its bounds.
  const d: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(tmp + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The known key a typo most likely meant. */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  const lower = key.toLowerCase();
  for (const k of known) {
    if (k.toLowerCase() === lower) return k;
    const d = edit1(key, k);
    if (d < bestD || (d === bestD && best === undefined)) {
      if (d <= Math.min(2, Math.floor(k.length / 3))) {
        best = k;
        bestD = d;
      }
    }
  }
  return best;
}

/** Fields with a rule of their own that says more than "deprecated" (kubevirt.running-deprecated). */
const SPECIFIC_RULE = new Set(['running']);

/** Strategic merge patch directives (`$patch: delete`, `$retainKeys`, `$setElementOrder/containers`). */
export function isPatchDirective(key: string): boolean {
  return (
    key === '$patch' ||
    key === '$retainKeys' ||
    key.startsWith('$setElementOrder/') ||
    key.startsWith('$deleteFromPrimitiveList/')
  );
}

export function validateSchema(
  ctx: CheckContext,
  root: Node | null,
  schema: JSONSchema,
  at: readonly PathSeg[] = [],
): void {
  const path: PathSeg[] = [...at];
  walk(ctx, root, schema, null, path);
}

function walk(
  ctx: CheckContext,
  node: Node | null,
  schema: JSONSchema,
  keyNode: Node | null,
  path: PathSeg[],
): void {
  if (!node || isAlias(node)) return;
  const c = compile(ctx.store, schema);
  if (isMap(node)) {
    if (c.types && !(c.types & OBJ)) return typeError(ctx, node, c, path);
    if (c.preserve && !c.props) return;
    const seen = c.required ? new Set<string>() : undefined;
    let skipRequired = false;
    for (const p of node.items) {
      const k = p.key as Node | null;
      if (!isScalar(k)) continue;
      const key = String(k.value);
      if (typeof k.value === 'symbol' || key === '<<') {
        if (isAlias(p.value)) skipRequired = true;
        continue;
      } // YAML merge key: its keys come from an anchor
      seen?.add(key);
      const own = c.props?.get(key);
      const sub = own ?? c.addl;
      if (!sub) {
        if (c.closed && !(ctx.templated && hasPlaceholder(key)) && !(ctx.partial && isPatchDirective(key))) {
          const suggestion = closestKey(key, c.props!.keys());
          const hint = ctx.info ? versionHint(ctx, ctx.info, [...path, key]) : undefined;
          report(
            ctx,
            k,
            hint?.newer ? 'warning' : (ctx.unknownKeySeverity ?? 'error'),
            'schema.unknown-key',
            `Unknown key \`${key}\`${path.length ? ` in \`${pathText(path)}\`` : ''}${hint ? ` (${hint.text})` : suggestion ? `: did you mean \`${suggestion}\`?` : ''}`,
            { key, path: [...path], suggestion, ...(hint ? { hint: hint.text } : {}) },
          );
        }
        continue;
      }
      if (own?.deprecated && !SPECIFIC_RULE.has(key)) {
        const why = (own.description ?? ctx.store.deref(own).description ?? '').replace(/\s+/g, ' ').trim();
        // Upstream's own advice when it gives one (`Deprecated: Use serviceAccountName instead.`).
        const advice =
          /\bDeprecated(?:[:.,]|\s)\s*((?:[^.]|\.(?!\s|$))+\.?)/.exec(why)?.[1] ??
          /^(?:[^.]|\.(?!\s|$))*\.?/.exec(why)?.[0] ??
          '';
        report(
          ctx,
          k,
          'warning',
          'schema.deprecated-field',
          `\`${pathText([...path, key])}\` is deprecated${advice ? `: ${advice}` : ''}`,
          { key, path: [...path] },
        );
      }
      path.push(key);
      walk(ctx, p.value as Node | null, sub, k, path);
      path.pop();
    }
    if (c.required && !skipRequired && !ctx.partial && !ctx.fragment) {
      const missing = c.required.filter((r) => !seen!.has(r));
      if (missing.length) {
        const where = keyNode ?? (isMap(node) ? (node.items[0]?.key as Node) : node);
        const list = missing.map((m) => `\`${m}\``).join(', ');
        // A warning: partial manifests (kustomize patches, docs excerpts, instancetype-filled VMs) are common.
        report(
          ctx,
          where,
          'warning',
          'schema.required',
          path.length
            ? `\`${pathText(path)}\` is missing required field${missing.length > 1 ? 's' : ''} ${list}`
            : `Missing required field${missing.length > 1 ? 's' : ''} ${list}`,
          { path: [...path], missing },
        );
      }
    }
    return;
  }
  if (isSeq(node)) {
    if (c.types && !(c.types & ARR)) return typeError(ctx, node, c, path);
    const items = c.s.items;
    if (!items) return;
    for (let i = 0; i < node.items.length; i++) {
      path.push(i);
      walk(ctx, node.items[i] as Node | null, items, null, path);
      path.pop();
    }
    return;
  }
  if (!isScalar(node)) return;
  const v = node.value;
  if (v === null || v === undefined) return; // null means "unset" to the API server
  if (typeof v === 'string') {
    if (ctx.templated && hasPlaceholder(v)) return;
    if (v === '...' && c.types && !(c.types & STR)) {
      report(
        ctx,
        node,
        'error',
        'manifest.elided',
        `\`${pathText(path)}\` is elided (\`...\`): write out ${typeName(c.types)} here`,
        { path: [...path] },
      );
      return;
    }
  }
  let bit: number;
  if (typeof v === 'string' || v instanceof Date) bit = STR;
  else if (typeof v === 'number' || typeof v === 'bigint') bit = Number.isInteger(Number(v)) ? INT : NUM;
  else if (typeof v === 'boolean') bit = BOOL;
  else bit = STR;
  // kubectl reads YAML 1.1 (go-yaml v2): an unquoted yes/no/on/off is a boolean there.
  if (bit === STR && node.type === 'PLAIN' && c.types && YAML11_BOOL.test(v as string)) {
    if (c.types & BOOL) return;
    if (c.types & STR) {
      report(
        ctx,
        node,
        'error',
        'schema.yaml11-boolean',
        `\`${pathText(path)}\`: Kubernetes reads an unquoted \`${textOf(v)}\` as a boolean (YAML 1.1); quote it: "${textOf(v)}"`,
        { path: [...path], value: v },
      );
      return;
    }
  }
  if (c.types && !(c.types & bit)) return typeError(ctx, node, c, path);
  if (c.enumSet && !c.enumSet.has(v)) {
    report(
      ctx,
      node,
      'error',
      'schema.enum',
      `\`${pathText(path)}\` must be one of ${c.enumList!.join(', ')}`,
      { path: [...path], allowed: c.enumList, value: v },
    );
    return;
  }
  if (c.quantity) {
    const problem = quantityProblem(v);
    if (problem)
      report(
        ctx,
        node,
        'error',
        'schema.quantity',
        `\`${pathText(path)}\` is not a valid quantity: ${problem}`,
        { path: [...path] },
      );
    return;
  }
  const s = c.s;
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum)
      report(ctx, node, 'error', 'schema.range', `\`${pathText(path)}\` must be at least ${s.minimum}`, {
        path: [...path],
      });
    else if (s.maximum !== undefined && v > s.maximum)
      report(ctx, node, 'error', 'schema.range', `\`${pathText(path)}\` must be at most ${s.maximum}`, {
        path: [...path],
      });
  } else if (typeof v === 'string') {
    if (s.minLength !== undefined && v.length < s.minLength)
      report(
        ctx,
        node,
        'error',
        'schema.length',
        `\`${pathText(path)}\` must be at least ${s.minLength} characters long`,
        { path: [...path] },
      );
    else if (s.maxLength !== undefined && v.length > s.maxLength)
      report(
        ctx,
        node,
        'error',
        'schema.length',
        `\`${pathText(path)}\` must be at most ${s.maxLength} characters long`,
        { path: [...path] },
      );
  }
}

function typeError(ctx: CheckContext, node: Node, c: Compiled, path: PathSeg[]): void {
  report(
    ctx,
    node,
    'error',
    'schema.type',
    `\`${pathText(path)}\` must be ${typeName(c.types)}, not ${actualName(node)}`,
    { path: [...path], expected: typeName(c.types) },
  );
}
