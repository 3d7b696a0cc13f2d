// `npm start` builds first only when the build is stale: when a source (gateway/, connectors/, the schemas,
// the OpenAPI document, the tsconfig files) changed after the last successful build. tsc takes seconds even
// with nothing to do; comparing modification times takes milliseconds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SOURCES = ['gateway', 'connectors', 'schemas', 'openapi', 'tsconfig.json', 'tsconfig.build.json'];
/** Written after each successful build, dated when that build started. */
const STAMP = 'dist/.build-stamp';

/** The newest modification time under a path; a folder's own counts, so that a deleted file does too. */
function newest(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newest(path.join(p, name))), stat.mtimeMs);
}

const built = fs.statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (Math.max(...SOURCES.map(newest)) > built) {
  // A source saved while tsc runs is newer than the stamp, so the next start builds again.
  const started = new Date();
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  fs.writeFileSync(STAMP, '');
  fs.utimesSync(STAMP, started, started);
}
