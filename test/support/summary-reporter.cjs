// The spec reporter, plus a summary: the closing line `N passed, N failed, N skipped`, the suites that did not run
// and why, and (with MOCHA_SUMMARY_FILE) the same as JSON, which .ci/run reads to print its own closing line, to
// refuse a run in which a suite that needs a server CI started was left pending, and to check its floor of specs.
//
// Skipped = the cases of suites pending by design (test/support/pending-by-design.ts: no server configured), plus
// any test mocha reports pending (none under forbid-pending, which fails those instead; listed should it be off).
const fs = require('node:fs');
const Mocha = require('mocha');

const REGISTRY = Symbol.for('ledgerflow.pendingByDesign');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const pending = [];
    runner.on('pending', (test) => pending.push(test.fullTitle()));
    runner.once('end', () => {
      const { passes, failures } = this.stats;
      const byDesign = (globalThis[REGISTRY] ?? []).filter((suite) => suite.tests.length > 0);
      const skipped = pending.length + byDesign.reduce((sum, suite) => sum + suite.tests.length, 0);
      const lines = [];
      if (byDesign.length > 0 || pending.length > 0) {
        lines.push('', 'Not run here:');
        for (const suite of byDesign) lines.push(`  - ${suite.suite}: ${suite.tests.length} case(s) pending by design (${suite.reason})`);
        for (const title of pending) lines.push(`  - ${title}: pending (no reason given)`);
      }
      lines.push('', `${passes} passed, ${failures} failed, ${skipped} skipped`);
      console.log(lines.join('\n'));
      if (process.env.MOCHA_SUMMARY_FILE) {
        const summary = {
          passed: passes,
          failed: failures,
          skipped,
          pending,
          pendingByDesign: byDesign.map(({ suite, needs, reason, tests }) => ({ suite, needs, reason, tests })),
        };
        fs.writeFileSync(process.env.MOCHA_SUMMARY_FILE, JSON.stringify(summary, null, 2));
      }
    });
  }
}

module.exports = SummaryReporter;
