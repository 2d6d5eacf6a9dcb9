// @memlab/core (the tests' oracle for heap snapshots) depends on puppeteer, whose install
// would download a browser: heapflame's tests use Debian's chromium through playwright-core.
module.exports = { skipDownload: true };
