// A floor (floor.ts) run in a process of its own, as the gateway is: its figures, the last line it prints.
// Shared by bench/occupancy and bench/aggregates.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Figures } from './figures.js';
import type { FloorSpec } from './floor.js';

export async function runFloor(spec: FloorSpec): Promise<Figures & { rows: number }> {
  const specFile = path.join(os.tmpdir(), `bench-floor-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/occupancy/floor.ts', specFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  fs.rmSync(specFile, { force: true });
  if (code !== 0) throw new Error(`the floor exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as Figures & { rows: number };
}
