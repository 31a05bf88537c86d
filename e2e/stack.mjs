// Where the stack under test is: a stack.env file written by `madbase start` (MADBASE_STACK_ENV), or
// the same names as environment variables.
import { readFileSync } from 'node:fs';

function load() {
  const values = { ...process.env };
  const file = process.env.MADBASE_STACK_ENV;
  if (file) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  for (const name of ['API_URL', 'ANON_KEY', 'SERVICE_ROLE_KEY']) {
    if (!values[name]) throw new Error(`${name} is not set: run the tests through ./test.sh or set MADBASE_STACK_ENV`);
  }
  return values;
}

export const stack = load();
