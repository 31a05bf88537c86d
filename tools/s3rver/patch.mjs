// Applies the fixes @20minutes/s3rver@4.0.4 needs to work with AWSSDK.S3 (see ENVIRONMENT.md). Idempotent:
// run after every `npm ci`. The third fix, --openssl-legacy-provider (its continuation tokens use DES),
// is a node flag that start.mjs passes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const lib = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', '@20minutes', 's3rver', 'lib');

const fixes = [
  {
    file: 'middleware/authentication.js',
    why: 'bucket-level requests signed with a trailing slash ("/bucket/") must be checked with it',
    from: `      if (ctx.params.key) {
        canonicalizedResource += '/' + ctx.params.key;
      }`,
    to: `      if (ctx.params.key) {
        canonicalizedResource += '/' + ctx.params.key;
      } else if (ctx.path.endsWith('/')) {
        canonicalizedResource += '/'; // madbase patch
      }`,
  },
  {
    file: 'controllers/object.js',
    why: 'x-amz-copy-source is URI-component encoded (keys may contain "/" encoded as %2F, "?" and "#")',
    from: `decodeURI(ctx.headers['x-amz-copy-source'])`,
    to: `decodeURIComponent(ctx.headers['x-amz-copy-source'])`,
    all: true,
  },
];

for (const fix of fixes) {
  const path = join(lib, fix.file);
  const text = readFileSync(path, 'utf8');
  if (text.includes(fix.to)) {
    console.log(`already patched: ${fix.file}`);
    continue;
  }
  if (!text.includes(fix.from)) {
    throw new Error(`cannot patch ${fix.file}: expected text not found (is this s3rver 4.0.4?)`);
  }
  writeFileSync(path, fix.all ? text.split(fix.from).join(fix.to) : text.replace(fix.from, fix.to));
  console.log(`patched: ${fix.file} (${fix.why})`);
}
