/**
 * The one way a test is skipped: loudly (a `!!! SKIPPED: …` line with the reason, so a run's
 * output says what was not tested and why) and counted (mocha reports it as pending, and
 * scripts/test-all.mjs adds it to the skipped total). From a `before` hook it skips the whole
 * suite; from a test, that test. ESLint allows `.skip()` nowhere else in test/ and bench/.
 */

/** What is being skipped: the suite of a hook, or the test itself. */
function titleOf(ctx: Mocha.Context): string {
  const r = ctx.test;
  if (!r) return 'test';
  const hook = 'type' in r && r.type === 'hook';
  return hook ? (r.parent?.fullTitle() ?? 'suite') : r.fullTitle();
}

export function skipLoudly(ctx: Mocha.Context, reason: string): never {
  console.log(`\n  !!! SKIPPED: ${titleOf(ctx)}: ${reason}\n`);
  ctx.skip();
}
