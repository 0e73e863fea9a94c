// Runs an ONNX model with onnxruntime-node on .npy inputs and writes its
// outputs as .npy: the reference side of the float parity check.
//   node ort-run.js <ort-prefix> model.onnx in-dir out-dir
// <ort-prefix> is the `npm install --prefix` directory holding
// onnxruntime-node (scripts/fetch-models.sh makes it). Inputs are named as
// vsq-run takes them, outputs written as vsq-run writes them:
// <out-dir>/<sample>.out<k>.npy. float32 only.
'use strict';
const fs = require('fs');
const path = require('path');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12);
  const header = buf.toString('latin1', start, start + headerLen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(`${file}: only little-endian C-order float32 is supported`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1]
      .split(',').map(s => s.trim()).filter(s => s.length).map(Number);
  const offset = start + headerLen;
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + offset,
      buf.byteOffset + buf.length));
  return {shape, data};
}

function writeNpy(file, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${
      shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const [prefix, model, inDir, outDir] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node ort-run.js <ort-prefix> model.onnx in-dir ' +
                  'out-dir');
    process.exit(2);
  }
  const ort = require(path.join(path.resolve(prefix), 'node_modules',
                                'onnxruntime-node'));
  // One thread and only basic graph rewrites, so the reference computes
  // what the graph says.
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1,
    graphOptimizationLevel: 'basic'});
  const names = session.inputNames;
  // Samples as vsq-run groups them: <sample>.npy for one input,
  // <sample>.in<k>.npy for several.
  const samples = new Map();
  for (const file of fs.readdirSync(inDir).sort()) {
    if (!file.endsWith('.npy')) continue;
    let sample = file.slice(0, -4), k = 0;
    const m = /^(.*)\.in(\d+)$/.exec(sample);
    if (names.length > 1) {
      if (!m) throw new Error(`${file}: expected <sample>.in<k>.npy`);
      sample = m[1]; k = Number(m[2]);
    }
    if (!samples.has(sample)) samples.set(sample, []);
    samples.get(sample)[k] = path.join(inDir, file);
  }
  fs.mkdirSync(outDir, {recursive: true});
  let ms = 0;
  for (const [sample, files] of samples) {
    const feeds = {};
    names.forEach((name, k) => {
      const {shape, data} = readNpy(files[k]);
      feeds[name] = new ort.Tensor('float32', data, shape);
    });
    const start = process.hrtime.bigint();
    const results = await session.run(feeds);
    ms += Number(process.hrtime.bigint() - start) / 1e6;
    session.outputNames.forEach((name, k) => {
      const t = results[name];
      writeNpy(path.join(outDir, `${sample}.out${k}.npy`), t.dims, t.data);
    });
  }
  console.log(`onnxruntime-node: ${samples.size} samples, ` +
              `${(ms / samples.size).toFixed(2)} ms per run (1 thread)`);
}
main().catch(e => { console.error('error: ' + e.message); process.exit(1); });
