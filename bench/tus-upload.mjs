// One resumable upload of a file with tus-js-client (6 MiB chunks, as supabase's docs configure it),
// streamed from disk: prints the seconds it took. Usage: node bench/tus-upload.mjs FILE BUCKET NAME
import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const tus = require('tus-js-client');
const [file, bucketName, objectName] = process.argv.slice(2);
const started = process.hrtime.bigint();
await new Promise((resolve, reject) => {
  new tus.Upload(createReadStream(file), {
    endpoint: `${process.env.API_URL}/storage/v1/upload/resumable`,
    chunkSize: 6 * 1024 * 1024,
    uploadSize: statSync(file).size,
    retryDelays: [0, 1000],
    headers: { apikey: process.env.SERVICE_ROLE_KEY, authorization: `Bearer ${process.env.SERVICE_ROLE_KEY}` },
    metadata: { bucketName, objectName, contentType: 'application/octet-stream' },
    onError: reject,
    onSuccess: resolve,
  }).start();
});
console.log((Number(process.hrtime.bigint() - started) / 1e9).toFixed(2));
