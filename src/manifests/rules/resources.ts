/** Requests must not exceed limits (for any resource named in both). Malformed quantities are the schema walk's job. */
import type { Node } from 'yaml';
import { parseQuantity } from '../quantity';
import { asMap, get, report, scalarValue, type CheckContext } from './context';

export function checkRequestsWithinLimits(ctx: CheckContext, resources: Node, where: string): void {
  const requests = asMap(get(resources, 'requests'));
  const limits = asMap(get(resources, 'limits'));
  if (!requests || !limits) return;
  for (const p of requests.items) {
    const name = scalarValue(p.key);
    if (typeof name !== 'string' || !p.value) continue;
    const lim = get(limits, name);
    const r = parseQuantity(scalarValue(p.value));
    const l = parseQuantity(scalarValue(lim));
    if (r === undefined || l === undefined) continue;
    if (r > l * (1 + 1e-12)) {
      report(
        ctx,
        p.value,
        'error',
        'resources.requests-exceed-limits',
        `\`${where}.requests.${name}\` (${String(scalarValue(p.value))}) is more than \`${where}.limits.${name}\` (${String(scalarValue(lim))})`,
        { resource: name },
      );
    }
  }
}
