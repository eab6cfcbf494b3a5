#!/usr/bin/env node
// Installs the Debian packages the test suite needs on a fresh machine (the README's test command
// runs this first): Chromium for the demo's end-to-end tests. Needs root and apt; elsewhere it says
// what to install and exits non-zero so tests don't silently skip.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const needed = [{ pkg: 'chromium', file: '/usr/bin/chromium' }].filter((d) => !fs.existsSync(d.file));
if (needed.length === 0) process.exit(0);

const names = needed.map((d) => d.pkg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
  console.error(`missing system packages: ${names.join(' ')} — install them with: sudo apt-get install -y ${names.join(' ')}`);
  process.exit(1);
}
console.log(`installing ${names.join(' ')} with apt-get …`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { stdio: 'inherit', env });
