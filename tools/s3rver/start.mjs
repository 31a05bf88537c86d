// Starts the S3 test server: node start.mjs --port <port> --dir <directory>
// Credentials are s3rver's fixed S3RVER / S3RVER. Prints "s3rver listening on <port>" once it accepts requests.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';

if (!process.execArgv.includes('--openssl-legacy-provider')) {
  // Its continuation tokens are DES-encrypted, which OpenSSL 3 only offers through the legacy provider.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const { values } = parseArgs({ options: { port: { type: 'string' }, dir: { type: 'string' }, address: { type: 'string', default: '127.0.0.1' } } });
  if (!values.port || !values.dir) {
    console.error('usage: node start.mjs --port <port> --dir <directory>');
    process.exit(2);
  }
  mkdirSync(values.dir, { recursive: true });
  const { default: S3rver } = await import('@20minutes/s3rver');
  const server = new S3rver({ address: values.address, port: Number(values.port), directory: values.dir, silent: true });
  await server.run();
  console.log(`s3rver listening on ${values.port}`);
  const stop = async () => { await server.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
