// Mocha's spec reporter, plus a JSON line of counts written to $PODVISOR_RESULT_FILE at the end,
// so scripts/test-all.mjs can add up every layer without parsing human output.
const fs = require('fs');
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failedTitles = [];
    runner.on('fail', (test) => failedTitles.push(test.fullTitle()));
    runner.once('end', () => {
      const s = runner.stats || {};
      const file = process.env.PODVISOR_RESULT_FILE;
      if (file) {
        fs.writeFileSync(
          file,
          JSON.stringify({
            passed: s.passes || 0,
            failed: s.failures || 0,
            skipped: s.pending || 0,
            failedTitles,
          }) + '\n',
        );
      }
    });
  }
}
module.exports = CountingReporter;
