// Summarises a V8 CPU profile (node --cpu-prof, or npm run bench -- --profile): self and inclusive
// time per function, the largest first.   node bench/cpuprofile.mjs FILE.cpuprofile [ROWS]
// With a folder, the largest profile in it (a process's main thread; tsx's loader thread writes a small one too).
// --last S: only the profile's last S seconds (a probe that ends with the load it measures).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const lastAt = args.indexOf('--last');
const lastUs = lastAt >= 0 ? Number(args.splice(lastAt, 2)[1]) * 1e6 : Infinity;
let [file, rows = '30'] = args;
if (!file) {
  console.error('usage: node bench/cpuprofile.mjs FILE.cpuprofile|FOLDER [ROWS]');
  process.exit(2);
}
if (statSync(file).isDirectory()) {
  file = readdirSync(file).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(file, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
}
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const ticks = new Map();
let total = 0;
let at = p.startTime;
p.samples.forEach((s, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  at += dt;
  if (p.endTime - at > lastUs) return;
  ticks.set(s, (ticks.get(s) ?? 0) + dt);
  total += dt;
});
const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
const self = new Map();
const incl = new Map();
for (const [id, t] of ticks) {
  const k = name(byId.get(id));
  self.set(k, (self.get(k) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const key = name(byId.get(cur));
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + t);
  }
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))
  .map(([k, t]) => `${(t / 1000).toFixed(0).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`).join('\n');
console.log(`${file}\ntotal ${(total / 1000).toFixed(0)} ms\n\nself\n${top(self)}\n\ninclusive\n${top(incl)}`);
