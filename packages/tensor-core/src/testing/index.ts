export { expectNoLeaks } from './leaks.js';
export { maxAbsDiff, assertAllClose } from './compare.js';
export { fixturesRoot, fixtureCaseDirs, loadFixtureCase, findWorkspaceRoot } from './fixtures.js';
export type { FixtureCase, FixtureCaseJson } from './fixtures.js';
