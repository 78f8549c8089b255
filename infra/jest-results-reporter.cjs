// Records each project's jest totals in .test-results/<project>.json so that `npm test` can end
// with one line for the whole workspace, even when nx replays a project's tests from its cache.
const fs = require('node:fs');
const path = require('node:path');

class ResultsFileReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const project = path.basename(this.rootDir);
    const dir = path.join(__dirname, '..', '.test-results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${project}.json`),
      JSON.stringify({
        project,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}

module.exports = ResultsFileReporter;
