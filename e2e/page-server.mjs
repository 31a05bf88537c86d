// A page of its own origin for browser tests: a server on loopback serving an empty page that loads supabase-js
// (its UMD build, as window.supabase). Chromium reaches it as http://127.0.0.1:<port> or http://localhost:<port>,
// two origins.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const umd = readFileSync(fileURLToPath(new URL('./node_modules/@supabase/supabase-js/dist/umd/supabase.js', import.meta.url)));

/** Starts the server; close() also ends the browser's kept-alive connections. */
export async function servePage() {
  const server = createServer((req, res) => {
    if (req.url === '/supabase.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(umd);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/supabase.js"></script>');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
