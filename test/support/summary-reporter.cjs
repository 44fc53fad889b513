// The spec reporter, plus a machine-readable summary: CI reads it to print `N passed, N failed`
// and to refuse a run in which a suite that needs a server (Redis, MongoDB) was left pending.
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const pending = [];
    runner.on('pending', (test) => pending.push(test.fullTitle()));
    runner.once('end', () => {
      const { passes, failures } = this.stats;
      const summary = { passed: passes, failed: failures, pending };
      if (process.env.MOCHA_SUMMARY_FILE) fs.writeFileSync(process.env.MOCHA_SUMMARY_FILE, JSON.stringify(summary, null, 2));
      console.log(`${passes} passed, ${failures} failed, ${pending.length} skipped`);
    });
  }
}

module.exports = SummaryReporter;
