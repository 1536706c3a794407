// jest testSequencer: jest runs the files it has timed before longest first, from its own cache; a
// fresh clone (CI) has no such cache, and jest would order by file size, starting the two-minute
// real-program suites (a 14-line file among them) last, with the other workers idle at the end.
// Without a cached time, a file's time from the last `npm run bench:tests -- --record`
// (test/support/suite-durations.json) stands in; a file in neither runs first.
const { readFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const ROOT = join(__dirname, '..', '..');
let recorded = {};
try {
  recorded = JSON.parse(readFileSync(join(__dirname, 'suite-durations.json'), 'utf8')).durationsMs;
} catch {
  // no record: jest's own ordering
}

class RecordedTimeSequencer extends Sequencer {
  time(test) {
    return super.time(test) ?? recorded[relative(ROOT, test.path)];
  }
}

module.exports = RecordedTimeSequencer;
