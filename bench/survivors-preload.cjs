// Loaded into the server by bench/survivors.ts (node --require): the first SIGUSR2 starts V8's
// sampling heap profiler on the objects that survive scavenges (those a minor collection frees are
// left out), the second writes what it sampled to TIENDO_SURVIVORS_OUT.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.enable', () => session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false,
    }));
    return;
  }
  session.post('HeapProfiler.stopSampling', (error, result) => {
    writeFileSync(process.env.TIENDO_SURVIVORS_OUT, JSON.stringify(error ? { error: String(error) } : result.profile));
  });
});
