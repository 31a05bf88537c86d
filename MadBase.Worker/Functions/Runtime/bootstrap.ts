// MadBase's entry point of every Edge Function instance (MadBase.Worker/Functions/Runtime/DenoInstance.cs).
// Arguments: the Unix socket to serve on, and the file URL of the function's entry module.
// The function calls Deno.serve(handler) as on Supabase; we take its handler and serve it on the socket instead,
// so only the worker (which owns the socket's folder) can reach it: a TCP port on loopback would be open to
// every other project's functions, which all have network access.
const [socketPath, entry] = Deno.args;

type Handler = (request: Request, info: unknown) => Response | Promise<Response>;
let handler: Handler | undefined;
let onError: ((error: unknown) => Response | Promise<Response>) | undefined;

const serve = Deno.serve;
// deno-lint-ignore no-explicit-any
(Deno as any).serve = (first: any, second: any) => {
  handler = typeof first === "function" ? first : typeof second === "function" ? second : first?.handler;
  onError = typeof first === "object" ? first?.onError : undefined;
  return {
    finished: new Promise(() => {}),
    shutdown: () => Promise.resolve(),
    ref() {},
    unref() {},
    addr: { transport: "unix", path: socketPath },
  };
};

// The worker holds our stdin open; when it goes away, so do we.
(async () => {
  for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
  Deno.exit(0);
})();

const module = await import(entry);
if (!handler && typeof module.default?.fetch === "function") {
  handler = module.default.fetch.bind(module.default);
}
if (!handler) {
  console.error("The function's module did not call Deno.serve(handler) nor export default { fetch }.");
  Deno.exit(70);
}

serve({
  path: socketPath,
  onListen() {
    console.error("MADBASE_FUNCTION_LISTENING");
  },
  onError: onError ?? ((error) => {
    // As Deno's own default: the error goes to the function's log, the caller gets no detail of it.
    console.error(error);
    return new Response("Internal Server Error", { status: 500 });
  }),
}, handler);
