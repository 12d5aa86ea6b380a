// Decodes a gzipped pprof file with DataDog's independent pprof-format implementation
// and prints what a pprof consumer sees: sample types, totals and the top leaf functions.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const bytes = gunzipSync(readFileSync(process.argv[2]));
const p = Profile.decode(bytes);
const str = (i) => p.stringTable.strings[Number(i)];
const types = p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
const totals = types.map((_, i) => p.sample.reduce((s, x) => s + Number(x.value[i]), 0));
const fn = new Map(p.function.map((f) => [String(f.id), str(f.name)]));
const loc = new Map(p.location.map((l) => [String(l.id), fn.get(String(l.line[0].functionId))]));
const leaf = new Map();
for (const s of p.sample) {
  const name = loc.get(String(s.locationId[0]));
  leaf.set(name, (leaf.get(name) || 0) + Number(s.value[1]));
}
const top = [...leaf.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(JSON.stringify({ types, totals, samples: p.sample.length, top, labels: p.sample[0].label.map((l) => str(l.key)) }));
