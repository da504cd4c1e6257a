import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, "N passed, N failed" (", N skipped" when any), that CI
 * summaries can read whatever else the default reporter printed.
 */
export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;
  private moduleErrors = 0;

  onTestCaseResult(testCase: TestCase): void {
    const state = testCase.result().state;
    if (state === 'passed') this.passed++;
    else if (state === 'failed') this.failed++;
    else this.skipped++;
  }

  onTestModuleEnd(module: TestModule): void {
    if (module.errors().length > 0) this.moduleErrors++;
  }

  onTestRunEnd(): void {
    const failed = this.failed + this.moduleErrors;
    const skipped = this.skipped > 0 ? `, ${this.skipped} skipped` : '';
    process.stdout.write(`\n${this.passed} passed, ${failed} failed${skipped}\n`);
  }
}
