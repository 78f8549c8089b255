const preset = require('../jest.preset.cjs');
// e2e tests run real processes from the built apps; they get more time than unit tests.
module.exports = { ...preset, testTimeout: 60000 };
