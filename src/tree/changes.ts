import type { Change } from '../backends/store';

/** What one store change means for a section's rows. */
export interface RowChanges<N> {
  /** Rows whose item changed in place: fire exactly these. */
  readonly rows: N[];
  /** Items were added or removed, moved between groups, or the store's status changed: fire the parent. */
  readonly structural: boolean;
}

/**
 * The one mapping from a store's Change (ids) to the tree rows to fire, used by every section:
 * an id with a row and an item updates the row in place; an id with only one of the two (added,
 * removed) or a row that cannot stay where it is makes the change structural.
 */
export function rowChanges<N>(
  change: Change,
  rowOf: (id: string) => N | undefined,
  /** Updates the row from the store; false when the row must move (another group). Undefined item: gone. */
  update: (row: N, id: string) => boolean | 'gone',
): RowChanges<N> {
  if (change.ids === 'all' || change.status) return { rows: [], structural: true };
  const rows: N[] = [];
  let structural = false;
  for (const id of change.ids) {
    const row = rowOf(id);
    if (!row) {
      structural = true; // added (or removed before it was ever shown: harmless)
      continue;
    }
    const r = update(row, id);
    if (r === true) rows.push(row);
    else structural = true;
  }
  return { rows, structural };
}
