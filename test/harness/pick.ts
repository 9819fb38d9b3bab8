import * as assert from 'assert';

/**
 * Element access that fails the test, with what was there, when the element is missing — so a
 * test reads `at(diags, 0).message` instead of asserting `diags[0]!` exists.
 */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const x = xs[i];
  assert.ok(x !== undefined, `no element ${i}: there are ${xs.length}`);
  return x;
}

/** The value under `key`; fails the test, listing the keys there are, when it is missing. */
export function entry<T>(record: Readonly<Record<string, T>>, key: string): T {
  const x = record[key];
  assert.ok(x !== undefined, `no "${key}" among ${Object.keys(record).join(', ') || 'no keys'}`);
  return x;
}
