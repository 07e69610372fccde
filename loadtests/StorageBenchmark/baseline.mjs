// The same CouchDB operations as the C# benchmark, done with node's own http client (one keep-alive connection),
// so that the client's overhead can be read off against a plain baseline.
//   node baseline.mjs put  <server> <db> <count> <id-prefix> <document-json>
//   node baseline.mjs find <server> <db> <count> <patients> <find-body-json with PATIENT placeholder>
import http from 'node:http';

const [mode, server, db, countText, arg5, arg6] = process.argv.slice(2);
const count = Number(countText);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {};
    const request = http.request(new URL(path, server), { method, agent, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (response.statusCode >= 300) reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

if (mode === 'put') {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    await send('PUT', `/${db}/${arg5}-${i}`, arg6.replace('"INDEX"', String(i)));
  }
  console.log(JSON.stringify({ elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 }));
} else if (mode === 'find') {
  const patients = Number(arg5);
  const latenciesMs = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const result = await send('POST', `/${db}/_find`, arg6.replace('PATIENT', `p-${i % patients}`));
    if (result.docs.length === 0) throw new Error('no documents found');
    latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  console.log(JSON.stringify({ latenciesMs }));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
agent.destroy();
